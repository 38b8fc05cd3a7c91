//! Lists sorted for display, through one sort routine.
//!
//! Every `sort_by` on another element type puts its own copy of the standard library's stable
//! sort into the wasm. These sort `(key, position)`
//! pairs instead, one instantiation for the whole app, and then move the items into place.

/// Sorts `items` by the text `key` gives, ascending; equal keys keep their order.
pub fn by_text<T>(items: &mut Vec<T>, key: impl Fn(&T) -> String) {
    let order = positions(items.iter().map(key).collect());
    reorder(items, order);
}

/// Sorts `items` by the text `key` gives, descending.
pub fn by_text_desc<T>(items: &mut Vec<T>, key: impl Fn(&T) -> String) {
    let mut order = positions(items.iter().map(key).collect());
    order.reverse();
    reorder(items, order);
}

/// Case-insensitive sort key for names.
pub fn folded(name: &str) -> String {
    name.to_lowercase()
}

/// The positions of `keys` in ascending key order (ties by position, so the sort is stable).
#[inline(never)]
fn positions(keys: Vec<String>) -> Vec<usize> {
    let mut pairs: Vec<(String, usize)> = keys.into_iter().zip(0..).collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, at)| at).collect()
}

fn reorder<T>(items: &mut Vec<T>, order: Vec<usize>) {
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|at| slots.get_mut(at)?.take()));
}
