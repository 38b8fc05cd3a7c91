//! Reading an onboarding CSV file: counted and checked whole before anything is onboarded,
//! against the tenant's sites and the registered products read once beforehand, so checking
//! is one pass over the file with no database query per line (and it runs off the async
//! workers: see `onboarding::onboard_csv`).
use std::collections::{BTreeMap, HashMap, HashSet};

use entity::particle_product;
use uuid::Uuid;

use super::name;
use crate::domain::ids::DeviceId;
use crate::tenancy::TenancyError;

/// A file is refused above this many device lines; larger fleets go in several files.
pub const MAX_BATCH_ROWS: usize = 5_000;

/// What the lines are checked against.
pub struct Known {
    /// The tenant's sites: id to lower-cased name.
    pub sites: Vec<(Uuid, String)>,
    /// Every registered product.
    pub products: HashMap<Uuid, particle_product::Model>,
    /// The product of lines without a `product_id` column.
    pub default_product: Option<Uuid>,
}

/// A line that passed every local check.
pub struct BatchLine {
    /// Its line number in the file, as an editor shows it.
    pub line: u64,
    /// The device.
    pub id: DeviceId,
    /// Its name.
    pub name: String,
    /// Where it is placed.
    pub site_id: Option<Uuid>,
    /// Its product.
    pub product: particle_product::Model,
}

/// What's wrong with a file, by line.
#[derive(Default)]
struct Problems(BTreeMap<String, Vec<String>>);

impl Problems {
    fn add(&mut self, line: u64, message: String) {
        self.0
            .entry(format!("line {line}"))
            .or_default()
            .push(message);
    }
}

/// Refuses, before reading any record, a file with more than [`MAX_BATCH_ROWS`] non-blank
/// lines after its header: counting newlines is cheap, checking 100,000 lines is not.
///
/// # Errors
/// 422 naming the limit.
pub fn check_size(text: &[u8]) -> Result<(), TenancyError> {
    let lines = text
        .split(|b| *b == b'\n')
        .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .count();
    if lines.saturating_sub(1) > MAX_BATCH_ROWS {
        return Err(TenancyError::invalid(
            "csv",
            format!("at most {MAX_BATCH_ROWS} devices per file; this one lists more"),
        ));
    }
    Ok(())
}

/// Line numbers of record positions, counted incrementally: records come in order, so each
/// count starts where the last one ended (counting from the start each time was quadratic).
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line a record starts on, as an editor numbers it: the csv crate's own count leaves
    /// out blank lines, and its position is where reading began, before blank lines skipped.
    fn line_of(&mut self, position: &csv::Position) -> u64 {
        let mut start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while self
            .text
            .get(start)
            .is_some_and(|b| matches!(b, b'\n' | b'\r'))
        {
            start += 1;
        }
        if start < self.at {
            // Out of order (an error's position): count from the start.
            self.at = 0;
            self.line = 1;
        }
        self.line += self.text[self.at..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.at = start;
        self.line
    }
}

/// Reads the file: a header naming `id` and `name`, optionally `site` (a site's id or its
/// exact name in the tenant) and `product_id`. Every problem is collected with its line
/// number, so one answer lists them all.
///
/// # Errors
/// 422 listing every bad line, or naming what the header or file lacks.
pub fn parse(text: &[u8], known: &Known) -> Result<Vec<BatchLine>, TenancyError> {
    check_size(text)?;
    let mut problems = Problems::default();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| TenancyError::invalid("csv", format!("unreadable header: {e}")))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id_col), Some(name_col)) = (column("id"), column("name")) else {
        return Err(TenancyError::invalid(
            "csv",
            "the header must name the columns id and name (and may name site and product_id)",
        ));
    };
    let site_col = column("site").or_else(|| column("site_id"));
    let product_col = column("product_id");
    if product_col.is_none() && known.default_product.is_none() {
        return Err(TenancyError::invalid(
            "product_id",
            "give ?product_id= or a product_id column",
        ));
    }
    let mut by_name: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for (id, name) in &known.sites {
        by_name.entry(name.as_str()).or_default().push(*id);
    }
    let site_ids: HashSet<Uuid> = known.sites.iter().map(|(id, _)| *id).collect();

    let mut counter = LineCounter {
        text,
        at: 0,
        line: 1,
    };
    let mut lines = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| counter.line_of(p));
                problems.add(line, format!("unreadable: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| counter.line_of(p));
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or_default();
        let mut wrong = Vec::new();
        let id = cell(id_col).to_ascii_lowercase();
        if !seen.insert(id.clone()) {
            wrong.push(format!("device {id} is listed twice"));
        }
        let site_id = match site_col.map(cell).filter(|s| !s.is_empty()) {
            None => None,
            Some(given) => match Uuid::parse_str(given) {
                Ok(uuid) if site_ids.contains(&uuid) => Some(uuid),
                Ok(_) => {
                    wrong.push(format!("no site {given} in this tenant"));
                    None
                }
                Err(_) => match by_name
                    .get(given.to_lowercase().as_str())
                    .map(Vec::as_slice)
                {
                    Some([only]) => Some(*only),
                    Some(_) => {
                        wrong.push(format!("several sites are named {given:?}; use its id"));
                        None
                    }
                    None => {
                        wrong.push(format!("no site named {given:?} in this tenant"));
                        None
                    }
                },
            },
        };
        let product = match product_col.map(cell).filter(|s| !s.is_empty()) {
            Some(given) => match Uuid::parse_str(given) {
                Ok(uuid) => Some(uuid),
                Err(_) => {
                    wrong.push(format!("product_id {given:?} is not a product id"));
                    None
                }
            },
            None => known.default_product,
        };
        if !wrong.is_empty() {
            // Checking further would only repeat what's wrong.
            for message in wrong {
                problems.add(line, message);
            }
            continue;
        }
        let device = DeviceId::parse(&id).map_err(|e| format!("id: {e}"));
        let device_name = name("name", cell(name_col), 200)
            .map_err(|_| "name: must be 1 to 200 characters".to_owned());
        let product = product
            .and_then(|p| known.products.get(&p))
            .ok_or_else(|| "product_id: no such product".to_owned());
        match (device, device_name, product) {
            (Ok(id), Ok(name), Ok(product)) => lines.push(BatchLine {
                line,
                id,
                name,
                site_id,
                product: product.clone(),
            }),
            (id, name, product) => {
                for message in [id.err(), name.err(), product.err()].into_iter().flatten() {
                    problems.add(line, message);
                }
            }
        }
    }
    if !problems.0.is_empty() {
        return Err(TenancyError::Invalid(problems.0));
    }
    if lines.is_empty() {
        return Err(TenancyError::invalid("csv", "the file lists no devices"));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            sites: vec![(Uuid::from_u128(1), "boston hq".into())],
            products: HashMap::new(),
            default_product: None,
        }
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_any_line_is_read() {
        let mut text = String::from("id,name,product_id\n");
        for n in 0..=MAX_BATCH_ROWS {
            text.push_str(&format!("{n:024x},Pump {n},nope\n"));
        }
        let err = parse(text.as_bytes(), &known()).err();
        match err {
            Some(TenancyError::Invalid(fields)) => {
                assert!(fields.contains_key("csv"), "{fields:?}");
                assert_eq!(fields.len(), 1, "no line was checked: {fields:?}");
            }
            other => panic!("expected a 422, got {other:?}"),
        }
        // Blank lines don't count.
        let blank = format!("id,name\n{}", "\n \n".repeat(MAX_BATCH_ROWS));
        assert!(check_size(blank.as_bytes()).is_ok());
    }

    #[test]
    fn line_numbers_are_an_editors_blank_lines_included() {
        let text = b"id,name,product_id\n\nzz,Pump,nope\n\n\nyy,Pump,nope\n";
        match parse(text, &known()).err() {
            Some(TenancyError::Invalid(fields)) => {
                let lines: Vec<&String> = fields.keys().collect();
                assert_eq!(lines, ["line 3", "line 6"]);
            }
            other => panic!("expected a 422, got {other:?}"),
        }
    }
}
