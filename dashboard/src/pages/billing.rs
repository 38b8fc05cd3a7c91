//! A tenant's seats and bill, for its administrators (and platform admins): the plan, seats
//! against the included ones, the month's bill so far and its projection, a chart of seats per
//! day (also as CSV), any earlier month, and the issued invoices. Platform admins also move
//! the tenant onto another plan and close last month.
use fleetwarden_wire::billing::{BillView, BillingResponse, DaySeats, InvoiceResponse, LineKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::components::admin::{AdministratorsOnly, Feedback, when};
use crate::components::seat_chart::SeatChart;
use crate::format::{money, plural, unit_price};
use crate::session::use_session;

/// Months offered in the picker, the current one included.
const MONTHS_BACK: usize = 12;

/// The billing page.
#[component]
pub fn BillingPage() -> impl IntoView {
    view! { <AdministratorsOnly what="see the bill" page=billing_page/> }
}

fn billing_page(tenant: Uuid) -> AnyView {
    let session = use_session();
    if !session.may("billing.read") {
        return view! {
            <div class="page-head"><h1>"Billing"</h1></div>
            <p class="empty">"Only the tenant's administrators can see its bill."</p>
        }
        .into_any();
    }
    // `None` asks for the current month; the server's answer says which month that is (its
    // clock decides, not the browser's).
    let period = RwSignal::new(None::<String>);
    let this_month = RwSignal::new(None::<String>);
    let billing = LocalResource::new(move || {
        let period = period.get();
        async move { api::billing::billing(tenant, period).await }
    });
    let invoices = LocalResource::new(move || async move { api::billing::invoices(tenant).await });
    Effect::new(move |_| {
        if this_month.get_untracked().is_none()
            && let Some(Ok(b)) = billing.get()
        {
            this_month.set(Some(b.period));
        }
    });
    // Today's plan, marked in the platform admins' list of plans.
    let current_plan = Signal::derive(move || {
        billing.with(|b| match b {
            Some(Ok(b)) => b.plan.as_ref().map(|p| p.id),
            _ => None,
        })
    });
    let reload = Callback::new(move |()| {
        billing.refetch();
        invoices.refetch();
    });

    view! {
        <div class="page-head">
            <h1>"Billing"</h1>
            <div class="head-actions">
                <label for="billing-month" class="inline">"Month"</label>
                <select id="billing-month" class="compact"
                    on:change=move |ev| period.set(Some(event_target_value(&ev)))
                    prop:value=move || period.get().or_else(|| this_month.get()).unwrap_or_default()>
                    {move || this_month.get().map(|m| {
                        months_back(&m, MONTHS_BACK)
                            .into_iter()
                            .map(|p| view! { <option value=p.clone()>{month_name(&p)}</option> })
                            .collect_view()
                    })}
                </select>
            </div>
        </div>
        {move || match billing.get() {
            None => view! { <p class="muted" role="status">"Loading the bill…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(b)) => month_view(b).into_any(),
        }}
        <section class="card" aria-labelledby="invoices-title">
            <h2 id="invoices-title">"Invoices"</h2>
            {move || match invoices.get() {
                None => view! { <p class="muted" role="status">"Loading invoices…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted" data-testid="no-invoices">
                        "No invoices yet: one is issued when a month closes."
                    </p>
                }
                .into_any(),
                Some(Ok(list)) => invoice_table(list).into_any(),
            }}
        </section>
        <Show when=move || session.is_platform_admin()>
            <PlatformAdmin tenant this_month current_plan reload/>
        </Show>
    }
    .into_any()
}

fn month_view(b: BillingResponse) -> impl IntoView {
    let current = b.projected.is_some();
    let plan = b.plan.clone();
    let included = plan.as_ref().map(|p| p.included_seats);
    // The plan is today's: its line only belongs on this month's chart.
    let chart_line = included.filter(|_| current);
    let plan_card = match &plan {
        Some(p) => view! {
            <p class="plan-name" data-testid="plan">{p.name.clone()}</p>
            <p class="muted">
                {format!(
                    "{} included · {} a month · {} a month per extra seat",
                    plural(p.included_seats as usize, "seat"),
                    money(p.monthly_price_minor, &p.currency),
                    money(p.extra_seat_price_minor, &p.currency),
                )}
            </p>
        }
        .into_any(),
        None => view! { <p class="muted" data-testid="plan">"No plan."</p> }.into_any(),
    };
    let seats = match included {
        Some(inc) => format!("Seats: {} of {inc} included", b.seats_now),
        None => format!("Seats: {}", b.seats_now),
    };
    let csv_name = format!("seats-{}.csv", b.period);
    let csv = csv_href(&b.daily);
    let heading = if current {
        format!("{}: bill so far", month_name(&b.period))
    } else {
        format!("{}: bill", month_name(&b.period))
    };
    view! {
        <section class="card plan-card" aria-labelledby="plan-title">
            <h2 id="plan-title">{if current { "Plan" } else { "Plan today" }}</h2>
            {plan_card}
            <p class="seats" data-testid="seats">{seats}</p>
            {b.warning.clone().map(|w| view! {
                <p class="warning" role="alert" data-testid="seat-warning">{w}</p>
            })}
        </section>
        <section class="card" aria-labelledby="chart-title">
            <div class="section-head">
                <h2 id="chart-title">{format!("Seats per day, {}", month_name(&b.period))}</h2>
                <a class="button" href=csv download=csv_name>"Download CSV"</a>
            </div>
            <SeatChart daily=b.daily.clone() included=chart_line/>
        </section>
        <section class="card" aria-labelledby="bill-title">
            <h2 id="bill-title">{heading}</h2>
            {match b.bill.clone() {
                Some(bill) => bill_table(bill).into_any(),
                None => view! { <p class="muted">"No plan that month, so nothing to bill."</p> }
                    .into_any(),
            }}
            {b.projected.clone().map(|p| view! {
                <p class="projected" data-testid="projected">
                    "Projected for the whole month, if today's seats and plan hold: "
                    <strong>{money(p.total_minor, &p.currency)}</strong>
                </p>
            })}
            {b.invoice.clone().map(|i| view! {
                <p class="muted">
                    {format!("Invoiced as {} on {}.", i.number, when(i.issued_at))}
                </p>
            })}
        </section>
    }
}

fn bill_table(bill: BillView) -> impl IntoView {
    let currency = bill.currency.clone();
    let rows = bill
        .lines
        .into_iter()
        .map(|l| {
            let unit = match l.kind {
                LineKind::Base => "day",
                LineKind::ExtraSeats => "seat-day",
            };
            view! {
                <tr data-kind=l.kind.to_string()>
                    <td>{l.description}</td>
                    <td class="num">{plural(l.quantity as usize, unit)}</td>
                    <td class="num">{unit_price(&l.unit_price_minor, &currency)}</td>
                    <td class="num">{money(l.amount_minor, &currency)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted">
            {format!("{} of {} days counted.", bill.days_counted, bill.days_in_period)}
        </p>
        <div class="table-scroll">
            <table class="list bill">
                <thead>
                    <tr>
                        <th scope="col">"Description"</th>
                        <th scope="col" class="num">"Quantity"</th>
                        <th scope="col" class="num">"Unit price"</th>
                        <th scope="col" class="num">"Amount"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="3">"Total"</th>
                        <td class="num" data-testid="bill-total">
                            {money(bill.total_minor, &bill.currency)}
                        </td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}

fn invoice_table(list: Vec<InvoiceResponse>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="list invoices">
                <thead>
                    <tr>
                        <th scope="col">"Number"</th>
                        <th scope="col">"Month"</th>
                        <th scope="col" class="num">"Total"</th>
                        <th scope="col">"Issued"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|i| view! {
                        <tr>
                            <td class="mono">{i.number}</td>
                            <td>{month_name(&i.period)}</td>
                            <td class="num">{money(i.total_minor, &i.currency)}</td>
                            <td class="nowrap">{when(i.issued_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Platform admins: the plans, moving this tenant onto one, and closing last month.
#[component]
fn PlatformAdmin(
    tenant: Uuid,
    this_month: RwSignal<Option<String>>,
    current_plan: Signal<Option<Uuid>>,
    reload: Callback<()>,
) -> impl IntoView {
    let plans = LocalResource::new(api::billing::plans);
    let chosen = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let feedback = Feedback::new();
    let subscribe = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(plan_id) = Uuid::parse_str(&chosen.get_untracked()) else {
            feedback.failed("Choose a plan first.");
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match api::billing::subscribe(tenant, plan_id).await {
                Ok(s) => {
                    feedback.done(format!("The tenant is now on {}.", s.plan.name));
                    reload.run(());
                }
                Err(e) => feedback.failed(e.words()),
            }
            busy.set(false);
        });
    };
    let last_month = move || this_month.get().and_then(|m| previous(&m));
    let close = move |_| {
        let Some(period) = last_month() else { return };
        busy.set(true);
        spawn_local(async move {
            match api::billing::close_period(&period).await {
                Ok(issued) => {
                    // The answer lists the month's invoices, those issued before included.
                    let month = month_name(&period);
                    feedback.done(if issued.is_empty() {
                        format!("Closed {month}: no invoices for that month.")
                    } else {
                        let n = plural(issued.len(), "invoice");
                        format!("Closed {month}: {n} for that month.")
                    });
                    reload.run(());
                }
                Err(e) => feedback.failed(e.words()),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="plans-title">
            <h2 id="plans-title">"Plans (platform admins)"</h2>
            {move || match plans.get() {
                None => view! { <p class="muted" role="status">"Loading plans…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-scroll">
                        <table class="list plans">
                            <thead>
                                <tr>
                                    <th scope="col">"Plan"</th>
                                    <th scope="col" class="num">"Included"</th>
                                    <th scope="col" class="num">"Monthly"</th>
                                    <th scope="col" class="num">"Extra seat"</th>
                                    <th scope="col">"History kept"</th>
                                    <th scope="col">"Notes"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.iter().map(|p| {
                                    let (id, default) = (p.id, p.default);
                                    let archived = p.archived_at.is_some();
                                    let kept = match p.history_retention_days {
                                        Some(1) => "1 day".to_owned(),
                                        Some(days) => format!("{days} days"),
                                        None => "the deployment's".to_owned(),
                                    };
                                    let notes = move || {
                                        [
                                            (current_plan.get() == Some(id))
                                                .then_some("this tenant's"),
                                            default.then_some("default"),
                                            archived.then_some("archived"),
                                        ]
                                        .into_iter()
                                        .flatten()
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                    };
                                    view! {
                                        <tr>
                                            <td>{p.name.clone()}" "<span class="mono muted">{p.code.clone()}</span></td>
                                            <td class="num">{p.included_seats}</td>
                                            <td class="num">{money(p.monthly_price_minor, &p.currency)}</td>
                                            <td class="num">{money(p.extra_seat_price_minor, &p.currency)}</td>
                                            <td>{kept}</td>
                                            <td>{notes}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <form class="inline-form" on:submit=subscribe>
                        <div class="field grow">
                            <label for="billing-plan">"Move this tenant onto"</label>
                            <select id="billing-plan" bind:value=chosen>
                                <option value="">"Choose a plan"</option>
                                {list.into_iter().filter(|p| p.archived_at.is_none()).map(|p| view! {
                                    <option value=p.id.to_string()>{format!("{} ({})", p.name, p.code)}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="primary" disabled=move || busy.get()>
                            "Move to this plan"
                        </button>
                    </form>
                }
                .into_any(),
            }}
            <p>
                <button type="button" on:click=close
                    disabled=move || busy.get() || last_month().is_none()
                    title="Issue every tenant's invoice for last month (safe to repeat)">
                    {move || match last_month() {
                        Some(m) => format!("Close last month ({})", month_name(&m)),
                        None => "Close last month".into(),
                    }}
                </button>
            </p>
            {feedback.view()}
        </section>
    }
}

/// The month's seats as a CSV file in a `data:` URL (date,seats).
fn csv_href(daily: &[DaySeats]) -> String {
    let mut csv = String::from("date,seats\n");
    for d in daily {
        csv.push_str(&format!("{},{}\n", d.date, d.seats));
    }
    format!(
        "data:text/csv;charset=utf-8,{}",
        js_sys::encode_uri_component(&csv)
    )
}

fn parse(period: &str) -> Option<(i32, u32)> {
    let (y, m) = period.split_once('-')?;
    let (y, m) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some((y, m))
}

/// The month before `period` (`YYYY-MM`).
fn previous(period: &str) -> Option<String> {
    let (y, m) = parse(period)?;
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    Some(format!("{y:04}-{m:02}"))
}

/// `period` and the `count - 1` months before it, newest first.
fn months_back(period: &str, count: usize) -> Vec<String> {
    std::iter::successors(Some(period.to_owned()), |p| previous(p))
        .take(count)
        .collect()
}

/// `2027-01` → `January 2027`.
fn month_name(period: &str) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    parse(period)
        .and_then(|(y, m)| Some(format!("{} {y}", NAMES.get(m as usize - 1)?)))
        .unwrap_or_else(|| period.to_owned())
}
