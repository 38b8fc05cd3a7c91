//! What the browser knows that the standard library doesn't: its time zones.
use wasm_bindgen::JsCast;

/// The IANA zones this browser knows (`Intl.supportedValuesOf`), empty where unsupported.
pub fn time_zones() -> Vec<String> {
    let found = || -> Option<Vec<String>> {
        let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let supported = js_sys::Reflect::get(&intl, &"supportedValuesOf".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let zones = supported.call1(&intl, &"timeZone".into()).ok()?;
        Some(
            js_sys::Array::from(&zones)
                .iter()
                .filter_map(|z| z.as_string())
                .collect(),
        )
    };
    found().unwrap_or_default()
}

/// The browser's own zone, e.g. `America/Chicago`.
pub fn time_zone() -> Option<String> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let format = js_sys::Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(&intl)
        .ok()?;
    let resolved = js_sys::Reflect::get(&format, &"resolvedOptions".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(&format)
        .ok()?;
    js_sys::Reflect::get(&resolved, &"timeZone".into())
        .ok()?
        .as_string()
}
