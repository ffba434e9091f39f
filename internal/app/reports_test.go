package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/internal/report"
	"github.com/motcua/motcua/internal/report/reporttest"
)

// fetchFile fetches a file and checks its type and that it is an
// attachment named want.
func fetchFile(t *testing.T, c *http.Client, u, ctype, want string) []byte {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(readAll(t, resp))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", u, resp.StatusCode, text(string(b)))
	}
	if got := resp.Header.Get("Content-Type"); got != ctype {
		t.Errorf("%s: Content-Type %q, want %q", u, got, ctype)
	}
	if got := resp.Header.Get("Content-Disposition"); got != `attachment; filename="`+want+`"` {
		t.Errorf("%s: Content-Disposition %q, want the file %s", u, got, want)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("%s: Cache-Control %q", u, cc)
	}
	return b
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sheetRows opens a workbook's first sheet.
func sheetRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The downloads of issue 5 through a real server: the statistics page as
// XLSX and PDF with the same numbers as the API for the same query, and
// the same refusals as the page; the register book of a desk with its
// audit records and its refusals.
func TestStatisticsDownloadsAndRegisterBook(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		ict := time.FixedZone("ICT", 7*3600)
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, ict)}
		s := startAt(t, clk.Now, "--demo", "--data", data, "--db", dsn)
		receiveAtCounter(t, s.url)

		leader := officialClient(t, s.url, "badinh.lanhdao")
		justice := officialClient(t, s.url, "tuphap.lanhdao")
		desk := officialClient(t, s.url, "badinh.tiepnhan")
		otherDesk := officialClient(t, s.url, "motcua.tiepnhan")
		specialist := officialClient(t, s.url, "badinh.chuyenvien")
		admin := officialClient(t, s.url, "admin")

		// The workbook has the figures of the API for the same query.
		const query = "agency=H26.50&period=2026-03&group=agency"
		_, page := get(t, leader, s.url+"/office/stats?"+query)
		if !strings.Contains(page, `href="/office/stats/export.xlsx?`) || !strings.Contains(page, `href="/office/stats/export.pdf?`) {
			t.Errorf("the statistics page offers no downloads:\n%s", text(page))
		}
		x := fetchFile(t, leader, s.url+"/office/stats/export.xlsx?"+query, xlsxType, "thong-ke-H26.50-2026-03.xlsx")
		_, js := get(t, leader, s.url+"/api/v1/stats?"+query)
		var api struct {
			Total map[string]any   `json:"total"`
			Rows  []map[string]any `json:"rows"`
		}
		if err := json.Unmarshal([]byte(js), &api); err != nil {
			t.Fatalf("%v: %s", err, js)
		}
		rows := sheetRows(t, x)
		header, total := -1, -1
		for i, r := range rows {
			if len(r) > 0 && r[0] == "Cơ quan, đơn vị" {
				header = i
			}
			if len(r) > 0 && r[0] == "Tổng cộng" {
				total = i
			}
		}
		if header < 0 || total != header+len(api.Rows)+1 || !strings.Contains(rows[0][0], "Thống kê tình hình giải quyết") {
			t.Fatalf("workbook layout: header at %d, total at %d, %d rows in the API:\n%q", header, total, len(api.Rows), rows)
		}
		if got := strings.Join(rows[header][1:3], "|"); got != "Kỳ trước chuyển sang|Tiếp nhận trong kỳ" ||
			rows[header][len(report.Columns)-1] != "Thời gian giải quyết trung bình (ngày làm việc)" {
			t.Errorf("column headers %q are not the page's names", rows[header])
		}
		var labels []string
		for _, r := range rows[header+1 : total] {
			labels = append(labels, r[0])
		}
		var apiLabels []string
		for _, r := range api.Rows {
			apiLabels = append(apiLabels, r["label"].(string))
		}
		if strings.Join(labels, "|") != strings.Join(apiLabels, "|") || !strings.Contains(strings.Join(labels, "|"), "Ba Đình") {
			t.Errorf("row labels %q, the API's %q", labels, apiLabels)
		}
		for i, col := range report.Columns {
			want := ""
			switch v := api.Total[col].(type) {
			case float64:
				want = strconv.FormatFloat(v, 'f', -1, 64)
				if strings.HasPrefix(col, "avg_") {
					want = strconv.FormatFloat(float64(int64(v*100+0.5))/100, 'f', -1, 64)
				}
			case nil:
			}
			got := ""
			if i+1 < len(rows[total]) {
				got = rows[total][i+1]
			}
			if got != want {
				t.Errorf("%s: %q in the workbook, %q in the API", col, got, want)
			}
		}
		// And LibreOffice reads the same numbers from it.
		if lo := reporttest.LibreOfficeRows(t, x); lo != nil {
			found := false
			for _, r := range lo {
				if len(r) == 0 || r[0] != "Tổng cộng" {
					continue
				}
				found = true
				for i, col := range report.Columns {
					v, ok := api.Total[col].(float64)
					cell := strings.ReplaceAll(strings.TrimSpace(r[i+1]), ",", "")
					got, err := strconv.ParseFloat(cell, 64)
					if (!ok && cell != "") || (ok && (err != nil || got-v > 0.005 || v-got > 0.005)) {
						t.Errorf("%s: LibreOffice reads %q, the API says %v", col, r[i+1], api.Total[col])
					}
				}
			}
			if !found {
				t.Errorf("no total row in LibreOffice's reading: %q", lo)
			}
		}
		if api.Total["received"] != 1.0 {
			t.Errorf("the API counts %v received", api.Total["received"])
		}
		pdf := fetchFile(t, leader, s.url+"/office/stats/export.pdf?period=c2026-03", "application/pdf", "thong-ke-H26.50-c2026-03.pdf")
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("not a PDF: %.20q", pdf)
		}
		fetchFile(t, leader, s.url+"/office/stats/export.xlsx?from=2026-01-01&to=2026-03-31&group=month", xlsxType,
			"thong-ke-H26.50-2026-01-01_2026-03-31.xlsx")

		for _, c := range []struct {
			name   string
			c      *http.Client
			path   string
			status int
			want   string
		}{
			{"export, anonymous", client(t), "/office/stats/export.xlsx", http.StatusSeeOther, ""},
			{"export, bad period", leader, "/office/stats/export.xlsx?period=2026-Q5", http.StatusBadRequest, "Kỳ báo cáo không đúng dạng"},
			{"export, end before start", leader, "/office/stats/export.pdf?from=2026-03-10&to=2026-03-01", http.StatusBadRequest, "Ngày kết thúc đứng trước ngày bắt đầu"},
			{"export, another agency", justice, "/office/stats/export.xlsx?agency=H26.50", http.StatusForbidden, "không được xem số liệu thống kê"},
			{"book, anonymous", client(t), "/office/register-book", http.StatusSeeOther, ""},
			{"book, citizen-free desk of another agency", otherDesk, "/office/register-book?agency=H26.50.01", http.StatusForbidden, "không được xem sổ theo dõi hồ sơ"},
			{"book pdf, another agency", otherDesk, "/office/register-book.pdf?agency=H26.50.01", http.StatusForbidden, "không được xem sổ theo dõi hồ sơ"},
			{"book, leader of another agency", justice, "/office/register-book?agency=H26.50.01", http.StatusForbidden, ""},
			{"book, platform administrator", admin, "/office/register-book", http.StatusForbidden, ""},
			{"book, bad year", desk, "/office/register-book?year=1990", http.StatusBadRequest, "Năm không hợp lệ"},
			{"book, unknown agency", desk, "/office/register-book?agency=H99", http.StatusBadRequest, "Không có cơ quan, đơn vị nào mang mã H99"},
			{"book, the desk", desk, "/office/register-book", http.StatusOK, "Lê Minh Khôi"},
			{"book, leader above the desk", leader, "/office/register-book?agency=H26.50.01&year=2026", http.StatusOK, "Lê Minh Khôi"},
			{"book, empty year", desk, "/office/register-book?year=2025", http.StatusOK, "Không có hồ sơ nào được tiếp nhận trong năm"},
			{"office home, desk", desk, "/office", http.StatusOK, "Xem sổ theo dõi hồ sơ (mẫu số 07)"},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, err := c.c.Get(s.url + c.path)
				if err != nil {
					t.Fatal(err)
				}
				b := readAll(t, resp)
				if resp.StatusCode != c.status {
					t.Fatalf("%s: %d, want %d\n%s", c.path, resp.StatusCode, c.status, text(b))
				}
				if c.status == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/office/login") {
					t.Errorf("redirected to %q", resp.Header.Get("Location"))
				}
				if !strings.Contains(text(b), c.want) {
					t.Errorf("%s lacks %q:\n%s", c.path, c.want, text(b))
				}
				if c.status != http.StatusOK && strings.Contains(b, "Lê Minh Khôi") {
					t.Errorf("%s shows the applicant", c.path)
				}
			})
		}
		if _, home := get(t, specialist, s.url+"/office"); strings.Contains(text(home), "sổ theo dõi hồ sơ") {
			t.Errorf("a specialist is offered the register book")
		}

		// Every read of the book is in the audit log as a read of
		// personal data.
		_, audit := get(t, admin, s.url+"/office/audit")
		if n := strings.Count(text(audit), "Xem sổ theo dõi hồ sơ"); n < 2 {
			t.Errorf("%d register-book reads in the audit log, want the desk's and the leader's:\n%s", n, text(audit))
		}
		if !strings.Contains(text(audit), "badinh.tiepnhan") {
			t.Errorf("the desk officer's read is not in the audit log")
		}
		book := fetchFile(t, desk, s.url+"/office/register-book.xlsx?year=2026", xlsxType, "so-theo-doi-ho-so-H26.50.01-2026.xlsx")
		brows := sheetRows(t, book)
		if len(brows) < 5 || brows[4][0] != "1" || brows[4][4] != "Lê Minh Khôi" || !strings.HasSuffix(brows[4][1], "-260302-0001") {
			t.Errorf("register book workbook: %q", brows)
		}
		bp := fetchFile(t, desk, s.url+"/office/register-book.pdf", "application/pdf", "so-theo-doi-ho-so-H26.50.01-2026.pdf")
		if !bytes.HasPrefix(bp, []byte("%PDF-")) {
			t.Errorf("not a PDF: %.20q", bp)
		}
	})
}

// versionOf reads the version a report's form was made from.
func versionOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="([0-9]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no version on the page:\n%s", text(page))
	}
	return m[1]
}

// A periodic report through the pages: defined by an agency
// administrator, opened (a draft with the figures from the data),
// corrected without and with an explanation, refused to a head of unit's
// sign-off, signed off by the leader, and no longer editable; the
// exported workbook has the corrected figure and its explanation.
func TestPeriodicReportPages(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		ict := time.FixedZone("ICT", 7*3600)
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, ict)}
		s := startAt(t, clk.Now, "--demo", "--data", data, "--db", dsn)
		receiveAtCounter(t, s.url)
		leader := officialClient(t, s.url, "badinh.lanhdao")   // leader and administrator of Ba Đình
		head := officialClient(t, s.url, "badinh.truongphong") // head of unit: edits, does not sign
		desk := officialClient(t, s.url, "badinh.chuyenvien")  // a specialist: reads statistics, edits nothing

		def := url.Values{"code": {"BC-TTHC"}, "name_vi": {"Báo cáo tình hình giải quyết TTHC"}, "name_en": {"Procedures report"},
			"indicators": {"received", "resolved"}, "period_kind": {"month"}, "deadline_days": {"5"}, "recipient": {"H26.50"}}
		if resp, body := post(t, head, s.url+"/office/reports", def); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a head of unit defines a report: %d %s", resp.StatusCode, text(body))
		}
		bad := url.Values{"code": {"x"}, "name_vi": {""}, "period_kind": {"week"}, "deadline_days": {"abc"}, "recipient": {"H26.50"}}
		resp, body := post(t, leader, s.url+"/office/reports", bad)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(body), "Mã báo cáo gồm 2–40 ký tự") ||
			!strings.Contains(text(body), "Hạn gửi báo cáo phải từ 0 đến 90 ngày") {
			t.Errorf("bad definition: %d %s", resp.StatusCode, text(body))
		}
		resp, _ = post(t, leader, s.url+"/office/reports", def)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/office/reports/BC-TTHC?ok=report_created" {
			t.Fatalf("define: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ = post(t, leader, s.url+"/office/reports", def); resp.StatusCode != http.StatusConflict {
			t.Errorf("defined twice: %d", resp.StatusCode)
		}
		if _, list := get(t, desk, s.url+"/office/reports"); !strings.Contains(text(list), "Báo cáo tình hình giải quyết TTHC") ||
			strings.Contains(list, `action="/office/reports"`) {
			t.Errorf("the list for a specialist:\n%s", text(list))
		}

		const target = "/office/reports/BC-TTHC?agency=H26.50&period=2026-03"
		code, page := get(t, head, s.url+target)
		if code != http.StatusOK || !strings.Contains(text(page), "Đang soạn") || !strings.Contains(text(page), "Tiếp nhận trong kỳ 1 1") ||
			!strings.Contains(text(page), "Trung tâm Phục vụ hành chính công phường Ba Đình Chưa lập") || strings.Contains(page, "/sign\"") {
			t.Fatalf("the draft: %d\n%s", code, text(page))
		}
		v0 := versionOf(t, page)
		form := func(version string, kv ...string) url.Values {
			f := url.Values{"agency": {"H26.50"}, "period": {"2026-03"}, "version": {version}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		for _, c := range []struct {
			name   string
			c      *http.Client
			path   string
			form   url.Values
			status int
			want   string
		}{
			{"without a reason", head, "/corrections", form(v0, "value.received", "2"), http.StatusUnprocessableEntity, "Khi sửa số liệu phải ghi rõ lý do"},
			{"not a number", head, "/corrections", form(v0, "value.received", "hai", "note.received", "x"), http.StatusUnprocessableEntity, "Số liệu phải là số nguyên"},
			{"by a specialist", desk, "/corrections", form(v0, "value.received", "2", "note.received", "x"), http.StatusForbidden, "Bạn không được sửa số liệu báo cáo"},
			{"with a reason", head, "/corrections", form(v0, "value.received", "2", "note.received", "Một hồ sơ giấy nhận ngày 14/3 chưa nhập"), http.StatusSeeOther, ""},
			{"stale", head, "/corrections", form(v0, "value.resolved", "1", "note.resolved", "x"), http.StatusConflict, "vừa được người khác thay đổi"},
			{"sign by a head of unit", head, "/sign", form(strconv.Itoa(mustAtoi(v0) + 1)), http.StatusForbidden, "Chỉ lãnh đạo của cơ quan mới được ký duyệt"},
			{"sign by the leader", leader, "/sign", form(strconv.Itoa(mustAtoi(v0) + 1)), http.StatusSeeOther, ""},
			{"edit after sign-off", head, "/corrections", form(strconv.Itoa(mustAtoi(v0)+2), "value.received", "3", "note.received", "x"), http.StatusConflict, "không sửa được nữa"},
			{"sign again", leader, "/sign", form(strconv.Itoa(mustAtoi(v0) + 2)), http.StatusConflict, "không sửa được nữa"},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, body := post(t, c.c, s.url+"/office/reports/BC-TTHC"+c.path, c.form)
				if resp.StatusCode != c.status {
					t.Fatalf("%d, want %d\n%s", resp.StatusCode, c.status, text(body))
				}
				if !strings.Contains(text(body), c.want) {
					t.Errorf("lacks %q:\n%s", c.want, text(body))
				}
			})
		}
		_, page = get(t, desk, s.url+target)
		if !strings.Contains(text(page), "Đã ký duyệt — Ngô Văn Sơn ký lúc") || !strings.Contains(text(page), "Tiếp nhận trong kỳ 1 2 (đã sửa) Một hồ sơ giấy") ||
			strings.Contains(page, `action="/office/reports/BC-TTHC/corrections"`) {
			t.Errorf("the signed report:\n%s", text(page))
		}
		x := fetchFile(t, desk, s.url+"/office/reports/BC-TTHC/export.xlsx?agency=H26.50&period=2026-03", xlsxType, "bao-cao-BC-TTHC-H26.50-2026-03.xlsx")
		found := false
		for _, r := range sheetRows(t, x) {
			if len(r) >= 4 && r[0] == "Tiếp nhận trong kỳ" {
				found = r[1] == "1" && r[2] == "2" && strings.HasPrefix(r[3], "Một hồ sơ giấy")
			}
		}
		if !found {
			t.Errorf("the workbook: %q", sheetRows(t, x))
		}
		p := fetchFile(t, desk, s.url+"/office/reports/BC-TTHC/export.pdf?agency=H26.50&period=2026-03", "application/pdf", "bao-cao-BC-TTHC-H26.50-2026-03.pdf")
		if !bytes.HasPrefix(p, []byte("%PDF-")) {
			t.Errorf("not a PDF")
		}
		for _, c := range []struct {
			path   string
			status int
			want   string
		}{
			{"/office/reports/NOPE", http.StatusNotFound, ""},
			{"/office/reports/BC-TTHC?agency=H26.50&period=2026-Q1", http.StatusBadRequest, "không đúng loại kỳ"},
			{"/office/reports/BC-TTHC?agency=H26.12&period=2026-03", http.StatusForbidden, ""},
			{"/office/reports/BC-TTHC/export.xlsx?agency=H26.50&period=2026-13", http.StatusBadRequest, "Kỳ báo cáo không đúng dạng"},
		} {
			if code, body := get(t, desk, s.url+c.path); code != c.status || !strings.Contains(text(body), c.want) {
				t.Errorf("%s: %d, want %d with %q\n%s", c.path, code, c.status, c.want, text(body))
			}
		}
		if code, _ := get(t, client(t), s.url+"/office/reports"); code != http.StatusSeeOther {
			t.Errorf("anonymous: %d", code)
		}
	})
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
