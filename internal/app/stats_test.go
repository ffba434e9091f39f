package app

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/report"
	"github.com/motcua/motcua/internal/web"
)

// receiveAtCounter has the Ba Đình desk receive and accept a paper
// application for 1.004884 and returns the dossier's id.
func receiveAtCounter(t *testing.T, base string) string {
	t.Helper()
	desk := officialClient(t, base, "badinh.tiepnhan")
	_, form := get(t, desk, base+"/office/reception/1.004884")
	key := regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(form)
	if key == nil {
		t.Fatalf("no reception form:\n%s", text(form))
	}
	fields := url.Values{"case": {"TH1"}, "key": {key[1]}, "agency": {"H26.50.01"}, "channel": {"counter"},
		"applicant.type": {"citizen"}, "applicant.full_name": {"Lê Minh Khôi"}, "applicant.national_id": {"031203008912"},
		"applicant.address": {"Phường Ba Đình, Hà Nội"}, "outcome": {"accept"}}
	for _, m := range regexp.MustCompile(`<input id="f-(form\.[a-z_0-9]+)" name="[^"]+" type="([a-z]+)"([^>]*)>`).FindAllStringSubmatch(form, -1) {
		switch {
		case m[1] == "form.so_dinh_danh":
			fields.Set(m[1], "031203008912")
		case m[1] == "form.nam_dk_truoc_day":
			fields.Set(m[1], "2003")
		case m[2] == "date":
			fields.Set(m[1], "2003-11-02")
		case m[2] == "tel":
			fields.Set(m[1], "0912345678")
		case m[2] == "email":
			fields.Set(m[1], "khoi@example.com")
		default:
			fields.Set(m[1], "Lê Minh Khôi")
		}
	}
	for _, m := range regexp.MustCompile(`<select id="f-(form\.[a-z_0-9]+)" name="[^"]+"><option value="">—</option><option>([^<]+)</option>`).FindAllStringSubmatch(form, -1) {
		fields.Set(m[1], m[2])
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea id="f-(form\.[a-z_0-9]+)"`).FindAllStringSubmatch(form, -1) {
		fields.Set(m[1], "Hà Nội")
	}
	files := map[string][2]string{}
	for _, m := range regexp.MustCompile(`<input type="file" id="f-(file\.[A-Za-z0-9_.-]+)"`).FindAllStringSubmatch(form, -1) {
		files[m[1]] = [2]string{"giay-to.pdf", minimalPDF}
	}
	resp, body := multipartPost(t, desk, base+"/office/reception/1.004884", fields, files)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reception: %d, problems at %v\n%s", resp.StatusCode, regexp.MustCompile(`href="#f-([^"]+)"`).FindAllStringSubmatch(body, -1), text(body))
	}
	return strings.TrimPrefix(strings.SplitN(resp.Header.Get("Location"), "?", 2)[0], "/office/dossiers/")
}

// The statistics pages of issue 5 through a real server: who sees them,
// bad filters answered on the page with a 400, every figure a link to
// its dossiers and the list a link to the dossier, the 766 index, the
// dashboard's charts with their tables, and the public page.
func TestStatisticsPages(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		ict := time.FixedZone("ICT", 7*3600)
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, ict)}
		s := startAt(t, clk.Now, "--demo", "--data", data, "--db", dsn)
		id := receiveAtCounter(t, s.url)

		leader := officialClient(t, s.url, "badinh.lanhdao")  // leader of Ba Đình (H26.50 and below)
		justice := officialClient(t, s.url, "tuphap.lanhdao") // leader of the Department of Justice
		admin := officialClient(t, s.url, "admin")            // platform administrator
		citizen := citizenClient(t, s.url, "dev-citizen-01")  // no statistics
		english := officialClient(t, s.url, "badinh.lanhdao")
		if resp, _ := post(t, english, s.url+"/lang", url.Values{"lang": {"en"}, "next": {"/"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("language switch: %d", resp.StatusCode)
		}

		for _, c := range []struct {
			name   string
			c      *http.Client
			path   string
			status int
			want   []string
			not    []string
		}{
			{"anonymous", client(t), "/office/stats", http.StatusSeeOther, nil, nil},
			{"citizen", citizen, "/office/stats", http.StatusForbidden, nil, []string{"Tiếp nhận trong kỳ"}},
			{"citizen, dashboard", citizen, "/office/dashboard", http.StatusForbidden, nil, nil},
			{"leader, own agency", leader, "/office/stats", http.StatusOK,
				[]string{"Tiếp nhận trong kỳ 1", "Trực tiếp 1", "Đang giải quyết cuối kỳ 1", "Từ 15/02/2026 đến 14/03/2026", "Ủy ban nhân dân Phường Ba Đình (H26.50)"},
				[]string{"Toàn hệ thống", "Sở Tư pháp (H26.12)"}},
			{"leader, by month", leader, "/office/stats?period=2026-Q1&group=month", http.StatusOK, []string{"Theo nhóm: Tháng (kỳ báo cáo)", "2026-03"}, nil},
			{"leader, by agency, calendar", leader, "/office/stats?period=c2026-03&group=agency", http.StatusOK, []string{"Từ 01/03/2026 đến 31/03/2026", "Theo nhóm: Cơ quan"}, nil},
			{"leader, free range", leader, "/office/stats?from=2026-01-01&to=2026-03-31&group=officer", http.StatusOK, []string{"Từ 01/01/2026 đến 31/03/2026"}, nil},
			{"leader, another agency", leader, "/office/stats?agency=H26.12", http.StatusForbidden, []string{"không được xem số liệu thống kê"}, nil},
			{"justice, Ba Đình", justice, "/office/stats?agency=H26.50", http.StatusForbidden, []string{"không được xem số liệu thống kê"}, nil},
			{"justice, own", justice, "/office/stats", http.StatusOK, []string{"Tiếp nhận trong kỳ 0"}, nil},
			{"leader, whole platform", leader, "/office/stats?agency=", http.StatusForbidden, nil, nil},
			{"admin, whole platform", admin, "/office/stats?agency=&group=agency", http.StatusOK, []string{"Toàn hệ thống", "Tiếp nhận trong kỳ 1", "Ủy ban nhân dân Phường Ba Đình"}, nil},
			{"end before start", leader, "/office/stats?from=2026-03-10&to=2026-03-01", http.StatusBadRequest, []string{"Ngày kết thúc đứng trước ngày bắt đầu"}, nil},
			{"over ten years", leader, "/office/stats?from=2010-01-01&to=2026-01-01", http.StatusBadRequest, []string{"dài quá 10 năm"}, nil},
			{"half a range", leader, "/office/stats?from=2026-01-01", http.StatusBadRequest, []string{"cần cả ngày bắt đầu và ngày kết thúc"}, nil},
			{"bad period", leader, "/office/stats?period=2026-Q5", http.StatusBadRequest, []string{"Kỳ báo cáo không đúng dạng"}, nil},
			{"unknown agency", leader, "/office/stats?agency=H99", http.StatusBadRequest, []string{"Không có cơ quan, đơn vị nào mang mã H99"}, nil},
			{"unknown group", leader, "/office/stats?group=weekday", http.StatusBadRequest, []string{"Không có cách nhóm số liệu “weekday”"}, nil},
			{"bad officer", leader, "/office/stats?officer=abc", http.StatusBadRequest, nil, nil},
			{"unknown metric", leader, "/office/stats/dossiers?metric=applicants", http.StatusBadRequest, []string{"Không có chỉ tiêu “applicants”"}, nil},
			{"list, other agency", justice, "/office/stats/dossiers?agency=H26.50&metric=received", http.StatusForbidden, nil, []string{"1.004884"}},
			{"index", leader, "/office/index766", http.StatusOK, []string{"Bộ chỉ số 766", "Tổng điểm", "Tỷ lệ hồ sơ trực tuyến", "Chưa đo được", "Xếp hạng cơ quan, đơn vị",
				"Ủy ban nhân dân Phường Ba Đình", "Công khai, minh bạch"}, nil},
			{"index, bad period", leader, "/office/index766?period=2026-X", http.StatusBadRequest, []string{"Kỳ báo cáo không đúng dạng"}, nil},
			{"dashboard", leader, "/office/dashboard", http.StatusOK, []string{"Tiếp nhận và giải quyết theo tháng", "Bảng số liệu", "Tỷ lệ giải quyết đúng hạn theo cơ quan", "Hồ sơ đang quá hạn theo đơn vị"}, nil},
			{"dashboard, days", leader, "/office/dashboard?period=2026-03&field=HT", http.StatusOK, []string{"Tiếp nhận và giải quyết theo ngày"}, nil},
			{"dashboard, bad range", leader, "/office/dashboard?from=2026-03-10&to=2026-03-01", http.StatusBadRequest, []string{"Ngày kết thúc đứng trước ngày bắt đầu"}, nil},
			{"english", english, "/office/stats", http.StatusOK, []string{"Dossier statistics", "Received in the period 1"}, nil},
			{"english, bad period", english, "/office/stats?period=soon", http.StatusBadRequest, []string{"The period is not in a known form"}, nil},
			{"office home", leader, "/office", http.StatusOK, []string{"Xem thống kê, Bộ chỉ số 766 và bảng điều hành", "Báo cáo, thống kê"}, nil},
			{"portal for a citizen", citizen, "/", http.StatusOK, []string{"Công khai kết quả"}, []string{"Báo cáo, thống kê"}},
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
				for _, w := range c.want {
					if !strings.Contains(text(b), w) {
						t.Errorf("%s lacks %q:\n%s", c.path, w, text(b))
					}
				}
				for _, w := range c.not {
					if strings.Contains(text(b), w) {
						t.Errorf("%s shows %q", c.path, w)
					}
				}
			})
		}

		// Every figure is a link to its dossiers; the list shows the code
		// and the procedure, nothing personal, and links to the dossier.
		_, page := get(t, leader, s.url+"/office/stats")
		links := regexp.MustCompile(`href="(/office/stats/dossiers\?[^"]+)"`).FindAllStringSubmatch(page, -1)
		if len(links) < len(report.Metrics)-3 { // the rates are not counts
			t.Fatalf("%d figure links, want one per figure", len(links))
		}
		var received string
		for _, l := range links {
			u := html.UnescapeString(l[1])
			if strings.Contains(u, "metric=received&") || strings.HasSuffix(u, "metric=received") {
				received = u
			}
		}
		if received == "" {
			t.Fatalf("no link behind the received figure in %q", links)
		}
		_, list := get(t, leader, s.url+received)
		if !strings.Contains(list, `href="/office/dossiers/`+id+`"`) || !strings.Contains(text(list), "1.004884") || strings.Contains(list, "Lê Minh Khôi") {
			t.Errorf("the list behind received: %s", text(list))
		}
		if code, _ := get(t, leader, s.url+"/office/dossiers/"+id); code != http.StatusOK {
			t.Errorf("the dossier from the list: %d", code)
		}
		// The dashboard's charts are accessible SVG with a table each (a
		// chart without figures says so instead: nothing is resolved or
		// overdue yet).
		_, dash := get(t, leader, s.url+"/office/dashboard")
		n := strings.Count(dash, `<svg class="chart"`)
		if n < 2 || strings.Count(dash, "<caption>Bảng số liệu") != n || strings.Count(dash, `role="img"`) != n ||
			strings.Count(dash, "<title id=") != n || strings.Count(dash, "<desc id=") != n || strings.Contains(dash, "<script") {
			t.Errorf("dashboard: %d charts:\n%s", n, text(dash))
		}

		// The public page needs nobody signed in; until the report
		// service offers public figures it says they are not ready.
		_, ready := any(&report.Service{}).(web.PublicStats)
		resp, err := client(t).Get(s.url + "/transparency")
		if err != nil {
			t.Fatal(err)
		}
		b := readAll(t, resp)
		switch {
		case ready && (resp.StatusCode != http.StatusOK || !strings.Contains(text(b), "Ủy ban nhân dân Phường Ba Đình")):
			t.Errorf("transparency: %d %s", resp.StatusCode, text(b))
		case !ready && resp.StatusCode != http.StatusServiceUnavailable:
			t.Errorf("transparency without public figures: %d %s", resp.StatusCode, text(b))
		}
	})
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
