package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"unicode/utf8"
)

// Charts are drawn on the server as inline SVG, so that the dashboard
// needs no JavaScript: a viewBox and width 100% make them fit a 360-px
// screen, role="img" with <title> and <desc> names them for screen
// readers, and every chart stands next to a table with the same numbers.
// The viewBox is narrow (320 units) so that the text stays legible when
// a phone scales it down; CSS caps the width on large screens.
//
// Colours meet WCAG 2.2 AA for graphics against white (1.4.11, 3:1) and
// for text (4.5:1): the brand blue #0b4f8a (8.4:1), orange #a34d00
// (5.5:1), ink #1b1f24 for labels and #4a5360 for axes.

var chartColours = []string{"#0b4f8a", "#a34d00", "#1e6b34"}

const (
	chartW    = 320
	chartFont = 11
)

// chartSeries is one series of a bar chart.
type chartSeries struct {
	Name   string
	Values []float64
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// shorten cuts a label to n characters, with an ellipsis; the table
// beside the chart carries the full text.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, so that
// the axis has round ticks.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func svgOpen(b *strings.Builder, id string, h int, title, desc string) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-t %s-d" font-size="%d" font-family="system-ui, sans-serif">`,
		chartW, h, id, id, chartFont)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
}

// columnChart draws grouped vertical bars: one group per label, one bar
// per series, with a legend, a value axis with three ticks and the labels
// under the groups (thinned out when there are many).
func columnChart(id, title, desc string, labels []string, series []chartSeries, format func(float64) string) template.HTML {
	const top, left, right, bottom = 24, 34, 6, 22
	h := 200
	var b strings.Builder
	svgOpen(&b, id, h, title, desc)
	maxV := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	maxV = niceMax(maxV)
	plotW, plotH := float64(chartW-left-right), float64(h-top-bottom)
	// Legend.
	x := float64(left)
	for i, s := range series {
		c := chartColours[i%len(chartColours)]
		fmt.Fprintf(&b, `<rect x="%.1f" y="6" width="10" height="10" fill="%s"/><text x="%.1f" y="15" fill="#1b1f24">%s</text>`, x, c, x+13, esc(s.Name))
		x += 13 + float64(utf8.RuneCountInString(s.Name))*6 + 12
	}
	// Axis and ticks.
	for i := 0; i <= 2; i++ {
		v := maxV * float64(i) / 2
		y := float64(top) + plotH - plotH*float64(i)/2
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#c9d1db"/><text x="%d" y="%.1f" text-anchor="end" fill="#4a5360">%s</text>`,
			left, y, chartW-right, y, left-4, y+4, esc(format(v)))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%.1f" stroke="#4a5360"/>`, left, top, left, float64(top)+plotH)
	n := len(labels)
	if n > 0 && len(series) > 0 {
		group := plotW / float64(n)
		bar := math.Max(1, group*0.8/float64(len(series)))
		every := int(math.Ceil(float64(n) * 28 / plotW)) // a label needs about 28 units
		for i, l := range labels {
			gx := float64(left) + group*float64(i) + group*0.1
			for j, s := range series {
				v := 0.0
				if i < len(s.Values) {
					v = s.Values[i]
				}
				bh := plotH * v / maxV
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, gx+bar*float64(j), float64(top)+plotH-bh, bar, bh,
					chartColours[j%len(chartColours)])
			}
			if i%every == 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#1b1f24">%s</text>`, gx+group*0.4, h-6, esc(l))
			}
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws one horizontal bar per label, its value written after
// it; max 0 scales to the largest value.
func barChart(id, title, desc string, labels []string, values []float64, max float64, format func(float64) string) template.HTML {
	const rowH, labelW, valueW = 22, 118, 44
	h := rowH*len(labels) + 8
	var b strings.Builder
	svgOpen(&b, id, h, title, desc)
	if max <= 0 {
		for _, v := range values {
			max = math.Max(max, v)
		}
		max = niceMax(max)
	}
	plotW := float64(chartW - labelW - valueW)
	for i, l := range labels {
		y := float64(4 + rowH*i)
		w := plotW * math.Min(values[i], max) / max
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#1b1f24">%s</text>`, labelW-4, y+14, esc(shorten(l, 18)))
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="16" fill="%s"/>`, labelW, y+2, w, chartColours[0])
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#1b1f24">%s</text>`, float64(labelW)+w+4, y+14, esc(format(values[i])))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="2" x2="%d" y2="%d" stroke="#4a5360"/>`, labelW, labelW, h-2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
