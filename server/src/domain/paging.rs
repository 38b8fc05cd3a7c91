//! Page requests, bounded at the edge: the offset a page asks for always fits in a query.
use std::collections::BTreeMap;

/// Highest page number anyone may ask for: 200 million rows at the largest page size, far
/// beyond any list here, and an offset no database or integer type overflows on.
pub const MAX_PAGE: u64 = 1_000_000;
/// Largest page size.
pub const MAX_PER_PAGE: u64 = 200;
/// Page size when none is asked for.
pub const DEFAULT_PER_PAGE: u64 = 50;

/// A checked page request: `page` in 1..=[`MAX_PAGE`], `per_page` in 1..=[`MAX_PER_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

impl PageRequest {
    /// Checks a request's `page` and `per_page` (absent: the first page of
    /// [`DEFAULT_PER_PAGE`]); the error maps each bad field to what it must be.
    ///
    /// # Errors
    /// A value outside its bounds.
    pub fn new(
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> Result<Self, BTreeMap<String, Vec<String>>> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut problems = BTreeMap::new();
        if !(1..=MAX_PAGE).contains(&page) {
            problems.insert("page".into(), vec![format!("must be 1 to {MAX_PAGE}")]);
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            problems.insert(
                "per_page".into(),
                vec![format!("must be 1 to {MAX_PER_PAGE}")],
            );
        }
        if problems.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(problems)
        }
    }

    /// Items before this page.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked_and_the_largest_offset_fits_an_i64() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(MAX_PAGE + 1), None).is_err());
        assert!(PageRequest::new(Some(9_223_372_036_854_775_808), None).is_err());
        assert!(PageRequest::new(None, Some(0)).is_err());
        assert!(PageRequest::new(None, Some(MAX_PER_PAGE + 1)).is_err());
        let last = PageRequest::new(Some(MAX_PAGE), Some(MAX_PER_PAGE))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(i64::try_from(last.offset()).is_ok());
        assert_eq!(
            PageRequest::new(None, None),
            Ok(PageRequest {
                page: 1,
                per_page: DEFAULT_PER_PAGE
            })
        );
    }
}
