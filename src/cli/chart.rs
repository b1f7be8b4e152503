//! The timeline as an SVG chart: users by decision over time, stacked, with
//! the dates where something happens marked. Hand-written SVG: no fonts or
//! scripts to fetch, opens in any browser and renders in a pull request.

use super::render::xml_escape;
use mfac::eval::Outcome;
use mfac::simulate::Point;
use mfac::time::format_date;
use std::fmt::Write;

const W: f64 = 960.0;
const H: f64 = 480.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 270.0;
const TOP: f64 = 72.0;
const BOTTOM: f64 = 96.0;

/// Colour per decision: green lets in, blue asks, amber nags, red blocks.
fn colour(o: Outcome) -> &'static str {
    match o {
        Outcome::Allow => "#43a047",
        Outcome::Challenge => "#1e88e5",
        Outcome::EnrolOrSkip => "#fbc02d",
        Outcome::Enrol => "#e53935",
        Outcome::Deny => "#5d4037",
    }
}

/// Stack order from the bottom: the outcomes that block first, so growth in
/// red is the first thing the eye meets.
const STACK: [Outcome; 5] = [
    Outcome::Deny,
    Outcome::Enrol,
    Outcome::EnrolOrSkip,
    Outcome::Challenge,
    Outcome::Allow,
];

pub fn svg(title: &str, points: &[Point], tz: &jiff::tz::TimeZone) -> String {
    let users = points.first().map_or(0, |p| p.snapshots.len()).max(1) as f64;
    let (t0, t1) = match (points.first(), points.last()) {
        (Some(a), Some(b)) => (a.at.as_second() as f64, b.at.as_second() as f64),
        _ => (0.0, 1.0),
    };
    // The last state holds on: give it a tenth of the span (at least a day).
    let end = t1 + ((t1 - t0) / 10.0).max(86_400.0);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |t: f64| LEFT + (t - t0) / (end - t0) * plot_w;
    let y = |n: f64| TOP + plot_h - n / users * plot_h;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="{W}" height="{H}" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="28" font-size="17" font-weight="bold" fill="#212121">{}</text>"##,
        xml_escape(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="46" fill="#616161">users by decision over time; each state holds until the next marked date</text>"##
    );

    // Stacked steps: one polygon per decision, between the cumulative
    // counts below it and below it plus its own.
    for (k, outcome) in STACK.iter().enumerate() {
        let below = |p: &Point| {
            let c = p.counts();
            STACK
                .get(..k)
                .unwrap_or_default()
                .iter()
                .map(|o| c.get(o.name()).copied().unwrap_or(0))
                .sum::<usize>() as f64
        };
        let own = |p: &Point| p.counts().get(outcome.name()).copied().unwrap_or(0) as f64;
        let mut upper = Vec::new();
        let mut lower = Vec::new();
        for (i, p) in points.iter().enumerate() {
            let a = p.at.as_second() as f64;
            let b = points.get(i + 1).map_or(end, |n| n.at.as_second() as f64);
            let (lo, hi) = (below(p), below(p) + own(p));
            upper.push((x(a), y(hi)));
            upper.push((x(b), y(hi)));
            lower.push((x(a), y(lo)));
            lower.push((x(b), y(lo)));
        }
        lower.reverse();
        let pts: Vec<String> = upper
            .iter()
            .chain(lower.iter())
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect();
        let _ = writeln!(
            s,
            r##"<polygon points="{}" fill="{}" stroke="#ffffff" stroke-width="0.5"/>"##,
            pts.join(" "),
            colour(*outcome)
        );
    }

    // Axes: users on the left, dates below.
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{}" x2="{}" y2="{}" stroke="#424242"/>"##,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h
    );
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{}" stroke="#424242"/>"##,
        TOP + plot_h
    );
    let step = nice_step(users);
    let mut n = 0.0;
    while n <= users {
        let _ = writeln!(
            s,
            r##"<line x1="{}" y1="{:.1}" x2="{LEFT}" y2="{:.1}" stroke="#424242"/><text x="{}" y="{:.1}" text-anchor="end" fill="#424242">{n}</text>"##,
            LEFT - 4.0,
            y(n),
            y(n),
            LEFT - 7.0,
            y(n) + 4.0
        );
        n += step;
    }
    let _ = writeln!(
        s,
        r##"<text x="16" y="{:.1}" transform="rotate(-90 16 {:.1})" text-anchor="middle" fill="#424242">users</text>"##,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );

    // A dashed line and a date at every point; what happens is listed by
    // the legend instead of crowding the plot.
    let mut last_label = f64::NEG_INFINITY;
    for (i, p) in points.iter().enumerate() {
        let px = x(p.at.as_second() as f64);
        if i > 0 {
            let _ = writeln!(
                s,
                r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{}" stroke="#212121" stroke-dasharray="3,3" stroke-opacity="0.6"/>"##,
                TOP + plot_h
            );
        }
        let label_y = TOP + plot_h + 14.0;
        // Dates closer than a label's height would overprint each other.
        if px - last_label >= 36.0 {
            last_label = px;
            let _ = writeln!(
                s,
                r##"<text x="{px:.1}" y="{label_y}" transform="rotate(35 {px:.1} {label_y})" fill="#424242">{}</text>"##,
                format_date(p.at, tz)
            );
        }
        if i > 0 {
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" font-weight="bold" fill="#212121">{i}</text>"##,
                px,
                TOP - 5.0
            );
        }
    }

    // Legend: decisions, then the numbered dates.
    let lx = W - RIGHT + 20.0;
    let mut ly = TOP + 4.0;
    for outcome in STACK.iter().rev() {
        let _ = writeln!(
            s,
            r##"<rect x="{lx}" y="{:.1}" width="14" height="14" fill="{}"/><text x="{}" y="{:.1}" fill="#212121">{}</text>"##,
            ly,
            colour(*outcome),
            lx + 20.0,
            ly + 11.5,
            outcome.name()
        );
        ly += 20.0;
    }
    ly += 10.0;
    for (i, p) in points.iter().enumerate().skip(1) {
        let what: Vec<String> = p.events.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            s,
            r##"<text x="{lx}" y="{ly:.1}" font-size="11" fill="#212121"><tspan font-weight="bold">{i}</tspan> {}</text>"##,
            xml_escape(&truncate(&what.join("; "), 40)),
        );
        ly += 15.0;
        if !p.newly_blocked.is_empty() {
            let _ = writeln!(
                s,
                r##"<text x="{}" y="{ly:.1}" font-size="11" fill="{}">{} blocked from this date</text>"##,
                lx + 10.0,
                colour(Outcome::Enrol),
                p.newly_blocked.len()
            );
            ly += 15.0;
        }
        ly += 2.0;
        if ly > H - 20.0 {
            break;
        }
    }
    s.push_str("</svg>\n");
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// A tick step of 1, 2 or 5 times a power of ten, for about five ticks.
fn nice_step(max: f64) -> f64 {
    let raw = (max / 5.0).max(1.0);
    let mag = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}
