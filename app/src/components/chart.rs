use leptos::prelude::*;
use rehearse_types::ReasonMetricsView;

/// Where scores (1-5) stand in a `w` by `h` chart with `pad` around the plot, `n` of them spread
/// evenly from left to right (one alone in the middle), 5 at the top. The score chart and the
/// sparklines place their points alike, so the arithmetic is written once.
#[derive(Clone, Copy)]
struct ScorePlot {
    w: f32,
    h: f32,
    pad: f32,
    n: usize,
}

impl ScorePlot {
    fn new(w: f32, h: f32, pad: f32, n: usize) -> Self {
        ScorePlot { w, h, pad, n }
    }

    fn x(self, i: usize) -> f32 {
        if self.n <= 1 {
            self.w / 2.0
        } else {
            self.pad + i as f32 * (self.w - 2.0 * self.pad) / (self.n - 1) as f32
        }
    }

    fn y(self, score: f32) -> f32 {
        self.h - self.pad - (score.clamp(1.0, 5.0) - 1.0) * (self.h - 2.0 * self.pad) / 4.0
    }

    /// The scores as an SVG polyline's `points`.
    fn line(self, scores: impl Iterator<Item = f32>) -> String {
        scores
            .enumerate()
            .map(|(i, s)| format!("{:.1},{:.1}", self.x(i), self.y(s)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Overall scores (1-5) over time as a small SVG line chart; no script needed.
#[component]
pub fn ScoreChart(points: Vec<(String, f32)>) -> impl IntoView {
    const W: f32 = 480.0;
    const H: f32 = 140.0;
    const PAD: f32 = 24.0;
    let plot = ScorePlot::new(W, H, PAD, points.len());
    let line = plot.line(points.iter().map(|(_, s)| *s));
    view! {
        <svg viewBox=format!("0 0 {W} {H}") class="w-full max-w-xl rounded-lg border border-slate-200 bg-white" role="img"
             aria-label="Overall interview scores over time" data-testid="score-chart">
            {(1..=5).map(|s| {
                let yy = plot.y(s as f32);
                view! {
                    <line x1=PAD x2=W - PAD y1=yy y2=yy stroke="#e2e8f0" stroke-width="1"/>
                    <text x="6" y=yy + 4.0 font-size="10" fill="#64748b">{s}</text>
                }
            }).collect_view()}
            <polyline points=line fill="none" stroke="#4f46e5" stroke-width="2"/>
            {points.iter().enumerate().map(|(i, (label, s))| view! {
                <circle cx={plot.x(i)} cy={plot.y(*s)} r="4" fill="#4f46e5"><title>{format!("{label}: {s:.1}")}</title></circle>
            }).collect_view()}
        </svg>
    }
}

/// A small line of one competency's scores (1-5) over time, for a table cell; no script needed.
#[component]
pub fn Sparkline(label: String, scores: Vec<f32>) -> impl IntoView {
    const W: f32 = 120.0;
    const H: f32 = 28.0;
    const PAD: f32 = 4.0;
    let plot = ScorePlot::new(W, H, PAD, scores.len());
    let line = plot.line(scores.iter().copied());
    let summary = format!(
        "{label}: {}",
        scores
            .iter()
            .map(|s| format!("{s:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let title = summary.clone();
    view! {
        <svg viewBox=format!("0 0 {W} {H}") class="h-7 w-32" role="img" aria-label=summary data-testid="sparkline">
            <title>{title}</title>
            <polyline points=line fill="none" stroke="#4f46e5" stroke-width="2"/>
            {scores.iter().enumerate().map(|(i, s)| view! { <circle cx={plot.x(i)} cy={plot.y(*s)} r="2.5" fill="#4f46e5"/> }).collect_view()}
        </svg>
    }
}

/// One bar per flag reason: what reviewers did with the answers held for it (approved,
/// edited, rejected, expired), as shares of the closed items, with the count at the end. An
/// SVG drawn on the server like [`ScoreChart`]; no script needed.
#[component]
pub fn ReviewOutcomesChart(reasons: Vec<ReasonMetricsView>) -> impl IntoView {
    const W: f32 = 560.0;
    const ROW: f32 = 30.0;
    const LABEL: f32 = 200.0;
    const BAR: f32 = 300.0;
    const LEGEND: f32 = 28.0;
    const KINDS: [(&str, &str); 4] = [
        ("approved", "#059669"),
        ("edited", "#4f46e5"),
        ("rejected", "#dc2626"),
        ("expired", "#94a3b8"),
    ];
    let h = LEGEND + ROW * reasons.len().max(1) as f32;
    let legend = KINDS
        .iter()
        .enumerate()
        .map(|(i, (name, colour))| {
            let x = LABEL + i as f32 * 80.0;
            view! {
                <rect x={x} y="6" width="10" height="10" fill={*colour}/>
                <text x={x + 14.0} y="15" font-size="11" fill="#475569">{*name}</text>
            }
        })
        .collect_view();
    let rows = reasons
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let y = LEGEND + i as f32 * ROW;
            let closed = r.approved + r.edited + r.rejected + r.expired;
            let counts = [r.approved, r.edited, r.rejected, r.expired];
            let mut x = LABEL;
            let segments = counts
                .iter()
                .zip(KINDS.iter())
                .filter(|(n, _)| **n > 0)
                .map(|(n, (name, colour))| {
                    let width = BAR * *n as f32 / closed.max(1) as f32;
                    let at = x;
                    x += width;
                    let share = 100.0 * *n as f32 / closed.max(1) as f32;
                    view! {
                        <rect x={at} y={y + 4.0} width={width} height={ROW - 10.0} fill={*colour}>
                            <title>{format!("{}: {n} {name} ({share:.0}%)", r.label)}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! {
                <text x="0" y={y + ROW / 2.0 + 2.0} font-size="12" fill="#334155">{r.label.clone()}</text>
                {(closed == 0).then(|| view! {
                    <rect x={LABEL} y={y + 4.0} width={BAR} height={ROW - 10.0} fill="#f1f5f9"/>
                })}
                {segments}
                <text x={LABEL + BAR + 8.0} y={y + ROW / 2.0 + 2.0} font-size="11" fill="#64748b">
                    {format!("{closed} closed, {} waiting", r.pending)}
                </text>
            }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {W} {h}") class="w-full max-w-3xl rounded-lg border border-slate-200 bg-white p-2" role="img"
             aria-label="What reviewers decided, per flag reason" data-testid="review-chart">
            {legend}
            {rows}
        </svg>
    }
}
