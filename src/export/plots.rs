//! The HTML report's plots, drawn as SVG text with `plotters`: the roofline
//! (arithmetic intensity against FLOP/s, log-log, with the measured roofs)
//! and throughput against problem size with the p10–p90 band. Text is left
//! to the browser's own sans-serif font, so the SVG needs no font files.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::model::{CaseRow, Metric, ReportRows};
use crate::report::Status;

/// Width and height of every plot, in pixels (the page scales it down to fit).
const PLOT_SIZE: (u32, u32) = (900, 540);

/// Colours told apart by most readers, including most with a colour deficiency
/// (Tableau 10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The `i`th colour of the palette, wrapping round.
fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// One drawn plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// A caption saying what it shows.
    pub caption: String,
    /// The SVG element, or why it could not be drawn.
    pub svg: Result<String, String>,
}

/// How the points of a roofline are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colouring {
    /// One report: a colour per workload, the roofs in black.
    ByWorkload,
    /// Reports overlaid: a colour per report, its roofs and points alike.
    ByReport,
}

/// `270M`, `1.5k`, `0.01`: an axis value with an SI prefix, at most three decimals.
fn si(value: f64) -> String {
    let (scaled, prefix) = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|&(scale, _)| value >= scale)
        .map_or((value, ""), |(scale, prefix)| (value / scale, prefix));
    let text = format!("{scaled:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{prefix}")
}

/// The whole decades around `values`: log axes with a labelled power of ten
/// at both ends. None without a positive finite value.
fn decades(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (low, high) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if high == 0.0 {
        return None;
    }
    let low = 10f64.powf(low.log10().floor());
    let high = 10f64.powf(high.log10().ceil()).max(low * 10.0);
    Some((low, high))
}

/// Draws one plot into a string; `draw` gets the whole drawing area.
fn svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, PLOT_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(text)
}

/// A verified case's place on the roofline: (FLOP/byte, GFLOP/s).
fn roofline_point(case: &CaseRow) -> Option<(f64, f64)> {
    if case.status != Status::Ok {
        return None;
    }
    Some((
        case.arithmetic_intensity_flop_per_byte()?,
        case.gflop_per_s?,
    ))
}

/// The roofline of `reports` (named by `names` in the legend when there are
/// several): each report's compute roofs (flat) and bandwidth roof (a
/// diagonal of slope one), and every verified case with arithmetic as a point.
pub fn roofline(reports: &[(String, &ReportRows)], colouring: Colouring) -> Plot {
    let points: Vec<Vec<(&CaseRow, (f64, f64))>> = reports
        .iter()
        .map(|(_, r)| {
            r.cases
                .iter()
                .filter_map(|c| roofline_point(c).map(|p| (c, p)))
                .collect()
        })
        .collect();
    let all_points = || points.iter().flatten().map(|(_, p)| *p);
    let roof_rates = || {
        reports
            .iter()
            .flat_map(|(_, r)| r.roofs.compute.iter().map(|c| c.gflop_per_s))
    };
    // Ridge points: where each bandwidth roof meets each compute roof.
    let ridges = || {
        reports.iter().flat_map(|(_, r)| {
            let bandwidth = r.roofs.bandwidth.as_ref().map(|b| b.gb_per_s);
            r.roofs
                .compute
                .iter()
                .filter_map(move |c| bandwidth.map(|b| c.gflop_per_s / b))
        })
    };
    let caption = "Roofline: arithmetic intensity against throughput, log-log".to_string();
    let (Some((x0, x1)), Some((y0, y1))) = (
        decades(all_points().map(|p| p.0).chain(ridges())),
        decades(all_points().map(|p| p.1).chain(roof_rates())),
    ) else {
        return Plot {
            caption,
            svg: Err("nothing to plot: no verified case with arithmetic, and no roof".into()),
        };
    };
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Roofline", ("sans-serif", 22))
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("arithmetic intensity (FLOP/byte)")
            .y_desc("throughput (GFLOP/s)")
            .x_label_formatter(&|x| si(*x))
            .y_label_formatter(&|y| si(*y))
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;

        let mut workloads: Vec<&str> = Vec::new();
        for (i, (name, report)) in reports.iter().enumerate() {
            let roof_colour = match colouring {
                Colouring::ByWorkload => BLACK,
                Colouring::ByReport => colour(i),
            };
            let prefix = match colouring {
                Colouring::ByWorkload => String::new(),
                Colouring::ByReport => format!("{name}: "),
            };
            if let Some(bandwidth) = &report.roofs.bandwidth {
                let rate = bandwidth.gb_per_s;
                // From where the diagonal enters the plot to where it meets the highest roof.
                let highest = report
                    .roofs
                    .compute
                    .iter()
                    .map(|c| c.gflop_per_s)
                    .fold(0.0, f64::max);
                let end = if highest > 0.0 { highest / rate } else { x1 };
                let start = x0.max(y0 / rate);
                if start < end {
                    let style = roof_colour.stroke_width(2);
                    chart
                        .draw_series(LineSeries::new(
                            [(start, start * rate), (end, end * rate)],
                            style,
                        ))
                        .map_err(|e| e.to_string())?
                        .label(format!("{prefix}bandwidth roof {rate:.2} GB/s"))
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                }
            }
            for (j, roof) in report.roofs.compute.iter().enumerate() {
                let start = report
                    .roofs
                    .bandwidth
                    .as_ref()
                    .map_or(x0, |b| (roof.gflop_per_s / b.gb_per_s).max(x0));
                // A second dtype's roof (f16 after f32) in a thinner line.
                let style = roof_colour.stroke_width(if j == 0 { 2 } else { 1 });
                chart
                    .draw_series(LineSeries::new(
                        [(start, roof.gflop_per_s), (x1, roof.gflop_per_s)],
                        style,
                    ))
                    .map_err(|e| e.to_string())?
                    .label(format!(
                        "{prefix}compute roof {} {:.2} GFLOP/s",
                        roof.dtype, roof.gflop_per_s
                    ))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            }
            match colouring {
                Colouring::ByReport => {
                    let style = colour(i).filled();
                    chart
                        .draw_series(points[i].iter().map(|(_, p)| Circle::new(*p, 5, style)))
                        .map_err(|e| e.to_string())?
                        .label(format!("{prefix}cases"))
                        .legend(move |(x, y)| Circle::new((x + 10, y), 5, style));
                }
                Colouring::ByWorkload => {
                    for (case, _) in &points[i] {
                        if !workloads.contains(&case.workload.as_str()) {
                            workloads.push(&case.workload);
                        }
                    }
                    for (w, workload) in workloads.iter().enumerate() {
                        let style = colour(w).filled();
                        chart
                            .draw_series(
                                points[i]
                                    .iter()
                                    .filter(|(c, _)| c.workload == *workload)
                                    .map(|(_, p)| Circle::new(*p, 5, style)),
                            )
                            .map_err(|e| e.to_string())?
                            .label(workload.to_string())
                            .legend(move |(x, y)| Circle::new((x + 10, y), 5, style));
                    }
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())
    });
    Plot { caption, svg }
}

/// The family a workload's throughput is plotted with: `stream` for
/// `stream_triad`, `matmul` for `matmul`.
pub fn family(workload: &str) -> &str {
    workload.split('_').next().unwrap_or(workload)
}

/// One line of a throughput plot: a workload and dtype of one report.
struct Curve {
    label: String,
    colour: RGBColor,
    /// (work per operation, figure, band low, band high), by work.
    points: Vec<(f64, f64, f64, f64)>,
}

/// A curve through `report`'s verified cases of `workload` and `dtype`: one
/// point per shape, its best variant where there were several.
fn curve(
    report: &ReportRows,
    workload: &str,
    dtype: crate::workloads::Dtype,
) -> Vec<(f64, f64, f64, f64)> {
    let mut points: Vec<(f64, f64, f64, f64)> = Vec::new();
    for case in report
        .cases
        .iter()
        .filter(|c| c.workload == workload && c.dtype == dtype)
    {
        let (Some(work), Some(figure), Some((low, high))) =
            (case.work(), case.figure(), case.figure_band())
        else {
            continue;
        };
        match points.iter_mut().find(|p| p.0 == work) {
            Some(p) if p.1 >= figure => {}
            Some(p) => *p = (work, figure, low, high),
            None => points.push((work, figure, low, high)),
        }
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

/// Throughput against size for each workload family of `reports`: a curve
/// per workload and dtype (and report, named by `names`, when several),
/// the median's line with a shaded p10–p90 band.
pub fn throughput(reports: &[(String, &ReportRows)]) -> Vec<Plot> {
    let mut families: Vec<(&str, Metric)> = Vec::new();
    for case in reports.iter().flat_map(|(_, r)| &r.cases) {
        let f = family(&case.workload);
        if case.metric != Metric::Time && !families.iter().any(|(known, _)| *known == f) {
            families.push((f, case.metric));
        }
    }
    families
        .into_iter()
        .filter_map(|(f, metric)| {
            let mut curves = Vec::new();
            for (i, (name, report)) in reports.iter().enumerate() {
                let mut series: Vec<(&str, crate::workloads::Dtype)> = Vec::new();
                for case in report.cases.iter().filter(|c| family(&c.workload) == f) {
                    if !series.contains(&(case.workload.as_str(), case.dtype)) {
                        series.push((&case.workload, case.dtype));
                    }
                }
                for (workload, dtype) in series {
                    let points = curve(report, workload, dtype);
                    if points.is_empty() {
                        continue;
                    }
                    let label = match reports.len() {
                        1 => format!("{workload} {dtype}"),
                        _ => format!("{name}: {workload} {dtype}"),
                    };
                    curves.push((i, label, points));
                }
            }
            if curves.is_empty() {
                return None;
            }
            let curves: Vec<Curve> = curves
                .into_iter()
                .enumerate()
                .map(|(n, (_, label, points))| Curve {
                    label,
                    colour: colour(n),
                    points,
                })
                .collect();
            Some(throughput_plot(f, metric, &curves))
        })
        .collect()
}

fn throughput_plot(family: &str, metric: Metric, curves: &[Curve]) -> Plot {
    let caption =
        format!("{family}: throughput against work per operation (median, p10–p90 band), log-log");
    let all = || curves.iter().flat_map(|c| c.points.iter());
    let (Some((x0, x1)), Some((y0, y1))) = (
        decades(all().map(|p| p.0)),
        decades(all().flat_map(|p| [p.2, p.3])),
    ) else {
        return Plot {
            caption,
            svg: Err("nothing to plot".into()),
        };
    };
    let (work_unit, rate_desc) = match metric {
        Metric::FlopRate => ("FLOP", "throughput (GFLOP/s)"),
        _ => ("bytes", "bandwidth (GB/s)"),
    };
    let svg = svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("{family}: throughput against size"),
                ("sans-serif", 22),
            )
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(format!("work per operation ({work_unit})"))
            .y_desc(rate_desc)
            .x_label_formatter(&|x| si(*x))
            .y_label_formatter(&|y| si(*y))
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        for curve in curves {
            let colour = curve.colour;
            if curve.points.len() > 1 {
                let band: Vec<(f64, f64)> = curve
                    .points
                    .iter()
                    .map(|p| (p.0, p.3))
                    .chain(curve.points.iter().rev().map(|p| (p.0, p.2)))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        band,
                        colour.mix(0.2).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            // Whiskers from p90 to p10, which a single point's band cannot show.
            chart
                .draw_series(curve.points.iter().map(|p| {
                    PathElement::new(vec![(p.0, p.2), (p.0, p.3)], colour.stroke_width(1))
                }))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(LineSeries::new(
                    curve.points.iter().map(|p| (p.0, p.1)),
                    colour.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(curve.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    curve
                        .points
                        .iter()
                        .map(|p| Circle::new((p.0, p.1), 4, colour.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())
    });
    Plot { caption, svg }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::model::tests::committed_on;

    #[test]
    fn axis_values_read_with_si_prefixes() {
        assert_eq!(si(0.01), "0.01");
        assert_eq!(si(1.0), "1");
        assert_eq!(si(1500.0), "1.5k");
        assert_eq!(si(2.68e8), "268M");
        assert_eq!(si(1e9), "1G");
    }

    #[test]
    fn log_axes_span_whole_decades() {
        assert_eq!(decades([4.0, 72.0].into_iter()), Some((1.0, 100.0)));
        assert_eq!(decades([10.0].into_iter()), Some((10.0, 100.0)));
        assert_eq!(decades([0.0, f64::NAN].into_iter()), None);
    }

    #[test]
    fn every_plot_of_a_committed_report_draws() {
        let (path, report) = committed_on("vulkan");
        let rows = ReportRows::of(&report, &path.display().to_string());
        let named = [("A".to_string(), &rows)];
        let roofline = roofline(&named, Colouring::ByWorkload);
        let svg = roofline.svg.unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<circle"), "{svg}");
        assert!(svg.contains("arithmetic intensity (FLOP/byte)"));
        let plots = throughput(&named);
        let families: Vec<&str> = plots
            .iter()
            .map(|p| p.caption.split(':').next().unwrap())
            .collect();
        assert_eq!(families, ["matmul", "peak", "stream", "transfer"]);
        for plot in plots {
            assert!(plot.svg.unwrap().contains("<polyline"));
        }
    }
}
