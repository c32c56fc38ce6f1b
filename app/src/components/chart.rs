use leptos::prelude::*;

/// Overall scores (1-5) over time as a small SVG line chart; no script needed.
#[component]
pub fn ScoreChart(points: Vec<(String, f32)>) -> impl IntoView {
    const W: f32 = 480.0;
    const H: f32 = 140.0;
    const PAD: f32 = 24.0;
    let n = points.len();
    let x = move |i: usize| {
        if n <= 1 {
            W / 2.0
        } else {
            PAD + i as f32 * (W - 2.0 * PAD) / (n - 1) as f32
        }
    };
    let y = |score: f32| H - PAD - (score.clamp(1.0, 5.0) - 1.0) * (H - 2.0 * PAD) / 4.0;
    let line: String = points
        .iter()
        .enumerate()
        .map(|(i, (_, s))| format!("{:.1},{:.1}", x(i), y(*s)))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <svg viewBox=format!("0 0 {W} {H}") class="w-full max-w-xl rounded-lg border border-slate-200 bg-white" role="img"
             aria-label="Overall interview scores over time" data-testid="score-chart">
            {(1..=5).map(|s| {
                let yy = y(s as f32);
                view! {
                    <line x1=PAD x2=W - PAD y1=yy y2=yy stroke="#e2e8f0" stroke-width="1"/>
                    <text x="6" y=yy + 4.0 font-size="10" fill="#64748b">{s}</text>
                }
            }).collect_view()}
            <polyline points=line fill="none" stroke="#4f46e5" stroke-width="2"/>
            {points.iter().enumerate().map(|(i, (label, s))| view! {
                <circle cx=x(i) cy=y(*s) r="4" fill="#4f46e5"><title>{format!("{label}: {s:.1}")}</title></circle>
            }).collect_view()}
        </svg>
    }
}
