//! The fleet page's plot: for each group, every node's cases as shares of
//! the group median (a dot per case, coloured by workload family), the
//! node's weighted median as a black bar, and the warn and fail lines.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plots::{colour, family, Plot, PLOT_SIZE};
use crate::fleet::{FleetAnalysis, GroupAnalysis};

/// Node widths left empty on the right for the legend.
const LEGEND_ROOM: f64 = 2.0;

/// How far apart, in node widths, the families' dots of one node sit.
const FAMILY_OFFSET: f64 = 0.06;

/// Group `index`'s plot of each node's share of the group median per case.
pub fn shares_plot(fleet: &FleetAnalysis, index: usize, group: &GroupAnalysis) -> Plot {
    let caption = format!(
        "Group {}: each node's cases as a share of the group median (dots, by workload \
         family), its weighted median (black bar), the warn and fail lines (dashed)",
        index + 1
    );
    let nodes: Vec<_> = fleet
        .nodes
        .iter()
        .filter(|n| n.group == Some(index))
        .collect();
    let mut families: Vec<&str> = Vec::new();
    for case in &group.cases {
        let f = family(&case.case);
        if !families.contains(&f) {
            families.push(f);
        }
    }
    let t = &fleet.thresholds;
    let shares = nodes
        .iter()
        .flat_map(|n| n.cases.iter().map(|s| s.fraction * 100.0));
    let lines = [
        100.0,
        (1.0 - t.warn_below) * 100.0,
        (1.0 - t.fail_below) * 100.0,
    ];
    let (low, high) = shares
        .chain(lines)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if nodes.iter().all(|n| n.cases.is_empty()) {
        return Plot {
            caption,
            svg: Err("no node was compared".into()),
        };
    }
    let margin = (high - low).max(1.0) * 0.08;
    let dots: Vec<Vec<(usize, f64)>> = nodes
        .iter()
        .map(|n| {
            n.cases
                .iter()
                .filter_map(|s| {
                    let k = families.iter().position(|&f| f == family(&s.case))?;
                    Some((k, s.fraction * 100.0))
                })
                .collect()
        })
        .collect();
    let bars: Vec<Option<f64>> = nodes
        .iter()
        .map(|n| n.aggregate.map(|a| a.fraction * 100.0))
        .collect();
    let names: Vec<&str> = nodes.iter().map(|n| n.node.as_str()).collect();
    let svg = draw(
        &names,
        &families,
        &dots,
        &bars,
        (low - margin, high + margin),
        lines,
    );
    Plot { caption, svg }
}

/// Draws the plot: node `i`'s dots from `dots[i]` (family index, share in
/// %), its bar at `bars[i]`, over `y` (%), with horizontal lines at 100% and
/// at the warn and fail shares.
fn draw(
    names: &[&str],
    families: &[&str],
    dots: &[Vec<(usize, f64)>],
    bars: &[Option<f64>],
    y: (f64, f64),
    [median, warn, fail]: [f64; 3],
) -> Result<String, String> {
    let fail_with = |e: &dyn std::fmt::Display| e.to_string();
    // Room on the right, past the last node, for the legend.
    let x = (-0.5, names.len() as f64 - 0.5 + LEGEND_ROOM);
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, PLOT_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail_with(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "share of the group median, node by node",
                ("sans-serif", 22),
            )
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(|e| fail_with(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc("node")
            .y_desc("% of group median")
            .y_label_formatter(&|v| format!("{v:.0}%"))
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| fail_with(&e))?;
        for (level, label, style) in [
            (median, "group median", BLACK.stroke_width(1)),
            (warn, "warn", RGBColor(255, 127, 14).stroke_width(2)),
            (fail, "fail", RGBColor(214, 39, 40).stroke_width(2)),
        ] {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x.0, level), (x.1, level)],
                    8,
                    5,
                    style,
                ))
                .map_err(|e| fail_with(&e))?
                .label(label)
                .legend(move |(px, py)| PathElement::new(vec![(px, py), (px + 20, py)], style));
        }
        // The node names along the bottom, one under each node's dots.
        let name_style = ("sans-serif", 13)
            .into_text_style(&root)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(
                names.iter().enumerate().map(|(i, name)| {
                    Text::new(name.to_string(), (i as f64, y.0), name_style.clone())
                }),
            )
            .map_err(|e| fail_with(&e))?;
        let half = families.len() as f64 / 2.0;
        for (k, &fam) in families.iter().enumerate() {
            let offset = (k as f64 + 0.5 - half) * FAMILY_OFFSET;
            let points: Vec<(f64, f64)> = dots
                .iter()
                .enumerate()
                .flat_map(|(i, node)| {
                    node.iter()
                        .filter(move |&&(f, _)| f == k)
                        .map(move |&(_, share)| (i as f64 + offset, share))
                })
                .collect();
            let style = colour(k).filled();
            chart
                .draw_series(points.into_iter().map(|p| Circle::new(p, 4, style)))
                .map_err(|e| fail_with(&e))?
                .label(fam)
                .legend(move |(px, py)| Circle::new((px + 10, py), 4, style));
        }
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, &share)| {
                let share = share?;
                Some(PathElement::new(
                    vec![(i as f64 - 0.3, share), (i as f64 + 0.3, share)],
                    BLACK.stroke_width(3),
                ))
            }))
            .map_err(|e| fail_with(&e))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|e| fail_with(&e))?;
        root.present().map_err(|e| fail_with(&e))?;
    }
    Ok(text)
}
