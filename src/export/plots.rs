//! The HTML report's plots, drawn as SVG text with `plotters`: the roofline
//! (arithmetic intensity against FLOP/s, log-log, with the measured roofs)
//! and throughput against problem size with the p10–p90 band. Text is left
//! to the browser's own sans-serif font, so the SVG needs no font files.

use plotters::coord::combinators::WithKeyPoints;
use plotters::prelude::*;

use super::model::{CaseRow, Metric, ReportRows};
use crate::case::Dtype;
use crate::report::Status;

/// Width and height of every plot, in pixels (the page scales it down to fit).
pub(super) const PLOT_SIZE: (u32, u32) = (900, 540);

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
pub(super) fn colour(i: usize) -> RGBColor {
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

/// The range of a log axis around `values`: a factor of √10 beyond the
/// extremes on both sides, so a lone value sits mid-axis and the axis always
/// spans a power of ten to label. None without a positive finite value.
fn axis_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (low, high) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let margin = 10f64.sqrt();
    (high > 0.0).then(|| (low / margin, high * margin))
}

/// The values `mantissa × 10^k` within `low..=high`, in order.
fn powers_of_ten(low: f64, high: f64, mantissas: &[f64]) -> Vec<f64> {
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    (first..=last)
        .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
        .filter(|v| (low..=high).contains(v))
        .collect()
}

/// A log axis over `low..high`, labelled at 1, 2 and 5 times each power of
/// ten where it spans up to two and a half decades and at the powers alone
/// where it spans more, with a light grid line at every integer multiple.
fn log_axis((low, high): (f64, f64)) -> LogAxis {
    let labelled: &[f64] = match (high / low).log10() <= 2.5 {
        true => &[1.0, 2.0, 5.0],
        false => &[1.0],
    };
    let every: Vec<f64> = (1..10).map(f64::from).collect();
    (low..high)
        .log_scale()
        .with_key_points(powers_of_ten(low, high, labelled))
        .with_light_points(powers_of_ten(low, high, &every))
}

/// A logarithmic axis with chosen labels.
type LogAxis = WithKeyPoints<LogCoord<f64>>;

/// A chart with logarithmic axes on both sides, drawn as SVG.
type LogChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<LogAxis, LogAxis>>;

/// Something drawn on a plot, as data: plots are built as lists of marks
/// and drawn by one function.
enum Mark {
    /// A line through `points`, two pixels wide, solid or dashed, with a
    /// legend entry that looks like it.
    Line {
        points: Vec<(f64, f64)>,
        colour: RGBColor,
        dashed: bool,
        label: String,
    },
    /// A marker at each point: a circle for f32, a triangle for f16; in the
    /// legend where labelled.
    Markers {
        points: Vec<(f64, f64)>,
        colour: RGBColor,
        dtype: Dtype,
        label: Option<String>,
    },
    /// A shaded area inside `outline` (a p10–p90 band).
    Band {
        outline: Vec<(f64, f64)>,
        colour: RGBColor,
    },
    /// A thin vertical line from low to high at each x: (x, low, high).
    Whiskers {
        spans: Vec<(f64, f64, f64)>,
        colour: RGBColor,
    },
}

/// Draws `mark` on `chart`.
fn draw<'a, 'b: 'a>(chart: &mut LogChart<'a, 'b>, mark: Mark) -> Result<(), String> {
    let fail = |e: DrawingAreaErrorKind<_>| e.to_string();
    match mark {
        Mark::Line {
            points,
            colour,
            dashed,
            label,
        } => {
            let style = colour.stroke_width(2);
            let drawn = match dashed {
                true => chart.draw_series(DashedLineSeries::new(points, 8, 5, style)),
                false => chart.draw_series(LineSeries::new(points, style)),
            };
            drawn.map_err(fail)?.label(label).legend(move |(x, y)| {
                // Two halves of a 20-pixel sample, with a gap between them when dashed.
                let gap = if dashed { 2 } else { 0 };
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (10 - gap, 0)], style)
                    + PathElement::new(vec![(10 + gap, 0), (20, 0)], style)
            });
        }
        Mark::Markers {
            points,
            colour,
            dtype,
            label,
        } => {
            let style = colour.filled();
            match dtype {
                Dtype::F32 => {
                    let drawn = chart
                        .draw_series(points.into_iter().map(|p| Circle::new(p, 5, style)))
                        .map_err(fail)?;
                    if let Some(label) = label {
                        drawn
                            .label(label)
                            .legend(move |(x, y)| Circle::new((x + 10, y), 5, style));
                    }
                }
                Dtype::F16 => {
                    let drawn = chart
                        .draw_series(points.into_iter().map(|p| TriangleMarker::new(p, 6, style)))
                        .map_err(fail)?;
                    if let Some(label) = label {
                        drawn
                            .label(label)
                            .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 6, style));
                    }
                }
            }
        }
        Mark::Band { outline, colour } => {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    colour.mix(0.2).filled(),
                )))
                .map_err(fail)?;
        }
        Mark::Whiskers { spans, colour } => {
            chart
                .draw_series(spans.into_iter().map(|(x, low, high)| {
                    PathElement::new(vec![(x, low), (x, high)], colour.stroke_width(1))
                }))
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// The frame of a plot: title, axes and where the legend goes.
struct Frame<'t> {
    title: &'t str,
    x: (f64, f64),
    x_desc: &'t str,
    y: (f64, f64),
    y_desc: &'t str,
    legend: SeriesLabelPosition,
}

/// Draws the legend of `chart`'s labelled series at `position`, boxed.
fn draw_legend<'a, 'b: 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

/// Draws one log-log plot into an SVG string: the frame (title, labelled
/// axes, grid), then `marks` in order, then the legend.
fn log_plot(frame: Frame<'_>, marks: Vec<Mark>) -> Result<String, String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, PLOT_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(frame.title, ("sans-serif", 22))
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(log_axis(frame.x), log_axis(frame.y))
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc(frame.x_desc)
            .y_desc(frame.y_desc)
            .x_label_formatter(&|x| si(*x))
            .y_label_formatter(&|y| si(*y))
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| fail(&e))?;
        for mark in marks {
            draw(&mut chart, mark)?;
        }
        draw_legend(&mut chart, frame.legend)?;
        root.present().map_err(|e| fail(&e))?;
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
        axis_range(all_points().map(|p| p.0).chain(ridges())),
        axis_range(all_points().map(|p| p.1).chain(roof_rates())),
    ) else {
        return Plot {
            caption,
            svg: Err("nothing to plot: no verified case with arithmetic, and no roof".into()),
        };
    };
    let frame = Frame {
        title: "Roofline",
        x: (x0, x1),
        x_desc: "arithmetic intensity (FLOP/byte)",
        y: (y0, y1),
        y_desc: "throughput (GFLOP/s)",
        // Upper left, above the bandwidth roof: a region no case can reach.
        legend: SeriesLabelPosition::UpperLeft,
    };
    let mut marks = Vec::new();
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
                marks.push(Mark::Line {
                    points: vec![(start, start * rate), (end, end * rate)],
                    colour: roof_colour,
                    dashed: false,
                    label: format!("{prefix}bandwidth roof {rate:.2} GB/s"),
                });
            }
        }
        for (j, roof) in report.roofs.compute.iter().enumerate() {
            let start = report
                .roofs
                .bandwidth
                .as_ref()
                .map_or(x0, |b| (roof.gflop_per_s / b.gb_per_s).max(x0));
            // A second dtype's roof (f16 after f32) dashed.
            marks.push(Mark::Line {
                points: vec![(start, roof.gflop_per_s), (x1, roof.gflop_per_s)],
                colour: roof_colour,
                dashed: j > 0,
                label: format!(
                    "{prefix}compute roof {} {:.2} GFLOP/s",
                    roof.dtype, roof.gflop_per_s
                ),
            });
        }
        // A series per workload (by colour) or report, and dtype (by marker).
        let mut series: Vec<(usize, String, Dtype)> = Vec::new();
        for (case, _) in &points[i] {
            let (colour_index, name) = match colouring {
                Colouring::ByWorkload => {
                    if !workloads.contains(&case.workload.as_str()) {
                        workloads.push(&case.workload);
                    }
                    let w = workloads.iter().position(|w| *w == case.workload);
                    (w.expect("just added"), case.workload.clone())
                }
                Colouring::ByReport => (i, format!("{prefix}cases")),
            };
            let key = (colour_index, name, case.dtype);
            if !series.contains(&key) {
                series.push(key);
            }
        }
        for (colour_index, name, dtype) in series {
            let coords = points[i]
                .iter()
                .filter(|(c, _)| c.dtype == dtype)
                .filter(|(c, _)| match colouring {
                    Colouring::ByWorkload => c.workload == name,
                    Colouring::ByReport => true,
                })
                .map(|(_, p)| *p)
                .collect();
            marks.push(Mark::Markers {
                points: coords,
                colour: colour(colour_index),
                dtype,
                label: Some(format!("{name} {dtype}")),
            });
        }
    }
    let svg = log_plot(frame, marks);
    Plot { caption, svg }
}

/// The family a workload's throughput is plotted with: `stream` for
/// `stream_triad`, `matmul` for `matmul`.
pub(super) fn family(workload: &str) -> &str {
    workload.split('_').next().unwrap_or(workload)
}

/// One line of a throughput plot: a workload and dtype of one report.
struct Curve {
    label: String,
    colour: RGBColor,
    /// Dashed, for a second dtype where the colour names the report.
    dashed: bool,
    /// Element type, which picks the marker.
    dtype: Dtype,
    /// (work per operation, figure, band low, band high), by work.
    points: Vec<(f64, f64, f64, f64)>,
}

/// A curve through `report`'s verified cases of `workload` and `dtype`: one
/// point per shape, its best variant where there were several.
fn curve(report: &ReportRows, workload: &str, dtype: Dtype) -> Vec<(f64, f64, f64, f64)> {
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

/// Throughput against size, the median's line with a shaded p10–p90 band.
/// One report: a plot per workload family (the four stream kernels
/// together), a colour per workload and dtype. Several: a plot per
/// workload, a colour per report, a second dtype dashed.
pub fn throughput(reports: &[(String, &ReportRows)]) -> Vec<Plot> {
    let overlaid = reports.len() > 1;
    let group = |workload: &str| -> String {
        match overlaid {
            true => workload.to_string(),
            false => family(workload).to_string(),
        }
    };
    let mut groups: Vec<(String, Metric)> = Vec::new();
    for case in reports.iter().flat_map(|(_, r)| &r.cases) {
        let g = group(&case.workload);
        if case.metric != Metric::Time && !groups.iter().any(|(known, _)| *known == g) {
            groups.push((g, case.metric));
        }
    }
    groups
        .into_iter()
        .filter_map(|(g, metric)| {
            let mut curves = Vec::new();
            for (i, (name, report)) in reports.iter().enumerate() {
                let mut series: Vec<(&str, Dtype)> = Vec::new();
                for case in report.cases.iter().filter(|c| group(&c.workload) == g) {
                    if !series.contains(&(case.workload.as_str(), case.dtype)) {
                        series.push((&case.workload, case.dtype));
                    }
                }
                for (j, (workload, dtype)) in series.into_iter().enumerate() {
                    let points = curve(report, workload, dtype);
                    if points.is_empty() {
                        continue;
                    }
                    curves.push(match overlaid {
                        true => Curve {
                            label: format!("{name}: {dtype}"),
                            colour: colour(i),
                            dashed: j > 0,
                            dtype,
                            points,
                        },
                        false => Curve {
                            label: format!("{workload} {dtype}"),
                            colour: colour(curves.len()),
                            dashed: false,
                            dtype,
                            points,
                        },
                    });
                }
            }
            (!curves.is_empty()).then(|| throughput_plot(&g, metric, &curves))
        })
        .collect()
}

fn throughput_plot(family: &str, metric: Metric, curves: &[Curve]) -> Plot {
    let caption =
        format!("{family}: throughput against work per operation (median, p10–p90 band), log-log");
    let all = || curves.iter().flat_map(|c| c.points.iter());
    let (Some((x0, x1)), Some((y0, y1))) = (
        axis_range(all().map(|p| p.0)),
        axis_range(all().flat_map(|p| [p.2, p.3])),
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
    let (title, x_desc) = (
        format!("{family}: throughput against size"),
        format!("work per operation ({work_unit})"),
    );
    let frame = Frame {
        title: &title,
        x: (x0, x1),
        x_desc: &x_desc,
        y: (y0, y1),
        y_desc: rate_desc,
        legend: SeriesLabelPosition::LowerRight,
    };
    let mut marks = Vec::new();
    for curve in curves {
        if curve.points.len() > 1 {
            let outline = curve
                .points
                .iter()
                .map(|p| (p.0, p.3))
                .chain(curve.points.iter().rev().map(|p| (p.0, p.2)))
                .collect();
            marks.push(Mark::Band {
                outline,
                colour: curve.colour,
            });
        }
        // Whiskers from p90 to p10, which a single point's band cannot show.
        marks.push(Mark::Whiskers {
            spans: curve.points.iter().map(|p| (p.0, p.2, p.3)).collect(),
            colour: curve.colour,
        });
        let medians: Vec<(f64, f64)> = curve.points.iter().map(|p| (p.0, p.1)).collect();
        marks.push(Mark::Line {
            points: medians.clone(),
            colour: curve.colour,
            dashed: curve.dashed,
            label: curve.label.clone(),
        });
        marks.push(Mark::Markers {
            points: medians,
            colour: curve.colour,
            dtype: curve.dtype,
            label: None,
        });
    }
    let svg = log_plot(frame, marks);
    Plot { caption, svg }
}

/// A whole split into its parts as one horizontal stacked bar, each part a
/// colour with its time and share in the legend: a plan's step time
/// (compute, exposed communication, bubble) or its TTFT and ITL by kind of op.
pub fn breakdown(title: &str, parts_s: &[(String, f64)]) -> Plot {
    let caption = format!("{title}: parts stacked left to right");
    let total_s: f64 = parts_s.iter().map(|(_, s)| s).sum();
    if !(total_s.is_finite() && total_s > 0.0) {
        return Plot {
            caption,
            svg: Err("nothing to plot: no time".into()),
        };
    }
    // The axis in the unit that keeps the total between 1 and 1000.
    let (scale, unit) = [(1.0, "s"), (1e-3, "ms"), (1e-6, "µs")]
        .into_iter()
        .find(|&(scale, _)| total_s >= scale)
        .unwrap_or((1e-9, "ns"));
    let svg = (|| -> Result<String, String> {
        let fail = |e: &dyn std::fmt::Display| e.to_string();
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (PLOT_SIZE.0, 300)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(&e))?;
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 22))
                .margin(18)
                .x_label_area_size(56)
                .build_cartesian_2d(0.0..total_s / scale * 1.02, 0.0..1.0)
                .map_err(|e| fail(&e))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .disable_y_axis()
                .x_desc(format!("time ({unit})"))
                .axis_desc_style(("sans-serif", 16))
                .label_style(("sans-serif", 14))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(|e| fail(&e))?;
            let mut start = 0.0;
            for (i, (name, seconds)) in parts_s.iter().enumerate() {
                let style = colour(i).filled();
                let end = start + seconds / scale;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(start, 0.55), (end, 0.95)],
                        style,
                    )))
                    .map_err(|e| fail(&e))?
                    .label(format!(
                        "{name}: {} {unit} ({:.1}%)",
                        si(seconds / scale),
                        100.0 * seconds / total_s
                    ))
                    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], style));
                start = end;
            }
            draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
            root.present().map_err(|e| fail(&e))?;
        }
        Ok(text)
    })();
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
    fn log_axes_hold_a_power_of_ten_and_a_margin_round_the_values() {
        let (low, high) = axis_range([4.0, 72.0].into_iter()).unwrap();
        assert!((low * 10f64.sqrt() - 4.0).abs() < 1e-12);
        assert!((high / 10f64.sqrt() - 72.0).abs() < 1e-9);
        let (low, high) = axis_range([1.1e9].into_iter()).unwrap();
        assert!(
            low < 1e9 && 1e9 < high,
            "a lone value's axis spans a power of ten"
        );
        assert_eq!(axis_range([0.0, f64::NAN].into_iter()), None);
    }

    #[test]
    fn log_axes_are_labelled_at_one_two_five_or_at_powers_of_ten() {
        let labels = |low, high| log_axis((low, high)).bold_points().to_vec();
        assert_eq!(
            labels(1.3, 230.0),
            [2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
        );
        assert_eq!(labels(0.03, 5e4), [0.1, 1.0, 10.0, 100.0, 1e3, 1e4]);
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
