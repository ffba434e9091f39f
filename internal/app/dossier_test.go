package app

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// citizenClient signs a test citizen in through the development provider.
func citizenClient(t *testing.T, base, subject string) *http.Client {
	t.Helper()
	c := client(t)
	resp, _ := post(t, c, base+"/login/citizen", url.Values{"next": {"/me"}})
	_, page := get(t, c, resp.Header.Get("Location"))
	form := url.Values{}
	for _, m := range regexp.MustCompile(`type="hidden" name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	form.Set("subject", subject)
	resp, _ = post(t, c, base+"/dev-idp/authorize", form)
	r2, err := c.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusSeeOther {
		t.Fatalf("citizen sign-in: %d", r2.StatusCode)
	}
	return c
}

func officialClient(t *testing.T, base, username string) *http.Client {
	t.Helper()
	c := client(t)
	resp, _ := post(t, c, base+"/office/login", url.Values{"username": {username}, "password": {"motcua-demo-2026"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("official %s sign-in: %d", username, resp.StatusCode)
	}
	return c
}

// multipartPost sends fields and files (field → name, content).
func multipartPost(t *testing.T, c *http.Client, u string, fields url.Values, files map[string][2]string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		fw, _ := mw.CreateFormFile(field, f[0])
		io.WriteString(fw, f[1])
	}
	mw.Close()
	req, _ := http.NewRequest("POST", u, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const minimalPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

var versionRE = regexp.MustCompile(`name="version" value="([0-9]+)"`)

// act takes an action from the official's dossier page.
func act(t *testing.T, c *http.Client, base, id, action string, fields url.Values, files map[string][2]string) string {
	t.Helper()
	_, page := get(t, c, base+"/office/dossiers/"+id)
	m := versionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s: no action form on the dossier page:\n%s", action, text(page))
	}
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set("version", m[1])
	resp, body := multipartPost(t, c, base+"/office/dossiers/"+id+"/actions/"+action, fields, files)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s: %d\n%s", action, resp.StatusCode, text(body))
	}
	_, page = get(t, c, base+"/office/dossiers/"+id)
	return page
}

// applyFields fills the online application form of 1.001193 as a citizen
// would: prefilled values kept, plausible ones elsewhere, a PDF for every
// component.
func applyFields(t *testing.T, form string) (url.Values, map[string][2]string) {
	t.Helper()
	fields := url.Values{"case": {"TH1"}, "agency": {"H26.50.01"}}
	fields.Set("key", regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(form)[1])
	// Every text input: keep its prefilled value, else a plausible one.
	for _, m := range regexp.MustCompile(`<input id="f-(form\.[a-z_0-9]+)" name="[^"]+" type="([a-z]+)" value="([^"]*)"([^>]*)>`).FindAllStringSubmatch(form, -1) {
		v := html.UnescapeString(m[3])
		if v == "" {
			switch {
			case m[2] == "date":
				v = "2026-11-20"
			case m[2] == "email":
				v = "an@example.com"
			case m[2] == "tel":
				v = "0912345678"
			case strings.Contains(m[4], `inputmode="numeric"`):
				v = "001085012345"
			default:
				v = "Nguyễn Văn Bình"
			}
		}
		fields.Set(m[1], v)
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea id="f-(form\.[a-z_0-9]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(form, -1) {
		if v := html.UnescapeString(m[2]); v != "" {
			fields.Set(m[1], v)
		} else {
			fields.Set(m[1], "Bệnh viện Phụ sản Hà Nội, Phường Ba Đình, Thành phố Hà Nội")
		}
	}
	for _, m := range regexp.MustCompile(`<select id="f-(form\.[a-z_0-9]+)" name="[^"]+"><option value="">—</option><option>([^<]+)</option>`).FindAllStringSubmatch(form, -1) {
		fields.Set(m[1], m[2])
	}
	files := map[string][2]string{}
	for _, m := range regexp.MustCompile(`<input type="file" id="f-(file\.[A-Za-z0-9_.-]+)"`).FindAllStringSubmatch(form, -1) {
		files[m[1]] = [2]string{"giay-to.pdf", minimalPDF}
	}
	return fields, files
}

// The online journey of issue 4 through the real pages: a citizen applies
// with an attachment, the desk accepts, the specialist forwards, the head
// of unit approves, the leader signs, the result is issued and returned,
// and the citizen downloads it and rates the service.
func TestOnlineDossierJourney(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		s := start(t, "--demo", "--data", data, "--db", dsn)
		citizen := citizenClient(t, s.url, "dev-citizen-01")
		_, form := get(t, citizen, s.url+"/procedures/1.001193/apply")
		if !strings.Contains(form, "Nguyễn Văn An") {
			t.Fatalf("the application form is not prefilled:\n%s", text(form))
		}
		fields, files := applyFields(t, form)
		resp, body := multipartPost(t, citizen, s.url+"/procedures/1.001193/apply", fields, files)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d\n%s", resp.StatusCode, text(body))
		}
		mine := resp.Header.Get("Location")
		// A double submit with the same key makes no second dossier.
		resp2, _ := multipartPost(t, citizen, s.url+"/procedures/1.001193/apply", fields, files)
		if resp2.Header.Get("Location") != mine {
			t.Errorf("a double submit went to %q, not %q", resp2.Header.Get("Location"), mine)
		}
		id := strings.TrimPrefix(strings.SplitN(mine, "?", 2)[0], "/me/dossiers/")

		desk := officialClient(t, s.url, "badinh.tiepnhan")
		_, inbox := get(t, desk, s.url+"/office/dossiers?box=new")
		if !strings.Contains(inbox, "/office/dossiers/"+id) {
			t.Fatalf("the new dossier is not in the desk's inbox:\n%s", text(inbox))
		}
		page := act(t, desk, s.url, id, "accept", nil, nil)
		code := regexp.MustCompile(`<code>(000\.01\.50\.H26-[0-9]{6}-[0-9]{4})</code>`).FindStringSubmatch(page)
		if code == nil {
			t.Fatalf("no format-A code after acceptance:\n%s", text(page))
		}
		specialist := officialClient(t, s.url, "badinh.chuyenvien")
		head := officialClient(t, s.url, "badinh.truongphong")
		leader := officialClient(t, s.url, "badinh.lanhdao")
		// The leader may not sign before the head of unit approves.
		_, p := get(t, leader, s.url+"/office/dossiers/"+id)
		resp, body = multipartPost(t, leader, s.url+"/office/dossiers/"+id+"/actions/sign", url.Values{"version": {versionRE.FindStringSubmatch(p)[1]}}, nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(text(body), "không đúng thứ tự") {
			t.Errorf("sign before approve: %d %s", resp.StatusCode, text(body))
		}
		act(t, specialist, s.url, id, "forward", url.Values{"comment": {"Hồ sơ hợp lệ."}}, nil)
		act(t, head, s.url, id, "approve", nil, nil)
		act(t, leader, s.url, id, "sign", nil, nil)
		page = act(t, desk, s.url, id, "issue_result", nil, map[string][2]string{"files": {"giay-khai-sinh.pdf", minimalPDF}})
		if !strings.Contains(text(page), "Đã có kết quả") {
			t.Fatalf("after issuing: %s", text(page))
		}
		act(t, desk, s.url, id, "return_result", url.Values{"return_channel": {"online"}}, nil)

		// The citizen sees everything, downloads the result and rates.
		_, mypage := get(t, citizen, s.url+"/me/dossiers/"+id)
		for _, want := range []string{code[1], "Đã trả kết quả", "Lãnh đạo ký", "giay-khai-sinh.pdf"} {
			if !strings.Contains(text(mypage), want) {
				t.Errorf("the citizen's page lacks %q", want)
			}
		}
		link := regexp.MustCompile(`href="(/dossiers/` + id + `/files/[0-9]+)">giay-khai-sinh.pdf`).FindStringSubmatch(mypage)
		if link == nil {
			t.Fatal("no link to the result")
		}
		r3, err := citizen.Get(s.url + link[1])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r3.Body)
		r3.Body.Close()
		if r3.StatusCode != 200 || string(got) != minimalPDF || r3.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("result download: %d %q", r3.StatusCode, r3.Header.Get("Content-Type"))
		}
		// Another citizen may not.
		other := citizenClient(t, s.url, "dev-citizen-02")
		if r4, _ := other.Get(s.url + link[1]); r4.StatusCode != http.StatusNotFound {
			t.Errorf("another citizen downloading the result: %d", r4.StatusCode)
		}
		v := versionRE.FindStringSubmatch(mypage)[1]
		resp, _ = multipartPost(t, citizen, s.url+"/me/dossiers/"+id+"/actions/rate", url.Values{"version": {v}, "rating": {"satisfied"}, "comment": {"Nhanh, gọn."}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("rating: %d", resp.StatusCode)
		}
		// The result is in the citizen's data store, and a new application
		// reuses it instead of uploading it again.
		_, store := get(t, citizen, s.url+"/me/store")
		storeID := regexp.MustCompile(`href="/me/store/([0-9]+)">giay-khai-sinh.pdf`).FindStringSubmatch(store)
		if storeID == nil {
			t.Fatalf("the result is not in the data store:\n%s", text(store))
		}
		_, form2 := get(t, citizen, s.url+"/procedures/1.001193/apply")
		fields.Set("key", regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(form2)[1])
		reuse := map[string][2]string{}
		for k, v := range files {
			reuse[k] = v
		}
		delete(reuse, "file.TK")
		fields.Set("store.TK", storeID[1])
		resp, body = multipartPost(t, citizen, s.url+"/procedures/1.001193/apply", fields, reuse)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second application: %d %s", resp.StatusCode, text(body))
		}
		_, second := get(t, citizen, s.url+strings.SplitN(resp.Header.Get("Location"), "?", 2)[0])
		if !strings.Contains(text(second), "dùng lại từ kho dữ liệu") {
			t.Errorf("the reused document is not marked reused: %s", text(second))
		}
		// Another citizen cannot pass off someone else's document as theirs.
		_, form3 := get(t, other, s.url+"/procedures/1.001193/apply")
		fields.Set("key", regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(form3)[1])
		resp, _ = multipartPost(t, other, s.url+"/procedures/1.001193/apply", fields, reuse)
		if resp.StatusCode == http.StatusSeeOther {
			t.Errorf("another citizen reused a document of someone else's store")
		}
		// The public lookup shows the status, nothing personal.
		_, lookup := get(t, client(t), s.url+"/lookup?code="+code[1])
		if !strings.Contains(text(lookup), "Đã trả kết quả") || strings.Contains(lookup, "Nguyễn Văn An") {
			t.Errorf("lookup: %s", text(lookup))
		}
		if c, _ := get(t, client(t), s.url+"/lookup?code=../../etc"); c != http.StatusUnprocessableEntity {
			t.Errorf("malformed code: %d", c)
		}
	})
}

// The counter journey of issue 4: a paper dossier gets a supplement request
// at reception, comes back complete, is accepted, is extended once with an
// apology, and still finishes after the new date (late). Dates are placed
// on the real 2026 calendar with the server's clock.
func TestCounterDossierLateWithApology(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		ict := time.FixedZone("ICT", 7*3600)
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, ict)} // Monday
		s := startAt(t, clk.Now, "--demo", "--data", data, "--db", dsn)
		desk := officialClient(t, s.url, "badinh.tiepnhan")
		_, form := get(t, desk, s.url+"/office/reception/1.004884")
		key := regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(form)
		if key == nil {
			t.Fatalf("no reception form:\n%s", text(form))
		}
		fields := url.Values{"case": {"TH1"}, "key": {key[1]}, "agency": {"H26.50.01"}, "channel": {"counter"},
			"applicant.type": {"citizen"}, "applicant.full_name": {"Lê Minh Khôi"}, "applicant.national_id": {"031203008912"},
			"applicant.address": {"Phường Ba Đình, Hà Nội"}, "outcome": {"request_supplement_at_reception"},
			"missing": {"Bản sao giấy khai sinh cũ\nVăn bản cam đoan về việc đã đăng ký khai sinh"}}
		for _, m := range regexp.MustCompile(`<input id="f-(form\.[a-z_0-9]+)" name="[^"]+" type="([a-z]+)"`).FindAllStringSubmatch(form, -1) {
			switch m[2] {
			case "date":
				fields.Set(m[1], "2003-11-02")
			case "tel":
				fields.Set(m[1], "0912345678")
			case "email":
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
		resp, body := multipartPost(t, desk, s.url+"/office/reception/1.004884", fields, map[string][2]string{"file.TK": {"to-khai.pdf", minimalPDF}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("registration: %d, problems at %v\n%s", resp.StatusCode, regexp.MustCompile(`href="#f-([^"]+)"`).FindAllStringSubmatch(body, -1), text(body))
		}
		id := strings.TrimPrefix(strings.SplitN(resp.Header.Get("Location"), "?", 2)[0], "/office/dossiers/")
		_, page := get(t, desk, s.url+"/office/dossiers/"+id)
		for _, want := range []string{"Yêu cầu bổ sung (khi tiếp nhận)", "Bản sao giấy khai sinh cũ", "Văn bản cam đoan", "Trạng thái 5", "phieu-yeu-cau-bo-sung.pdf"} {
			if !strings.Contains(text(page), want) {
				t.Errorf("after the supplement request the page lacks %q", want)
			}
		}
		// Two days later the applicant brings the rest; the desk accepts.
		clk.Set(time.Date(2026, 3, 4, 10, 0, 0, 0, ict))
		desk = officialClient(t, s.url, "badinh.tiepnhan") // days later: a new session
		act(t, desk, s.url, id, "resubmit", url.Values{"digitized": {"on"}}, map[string][2]string{"files": {"bo-sung.pdf", minimalPDF}})
		page = act(t, desk, s.url, id, "accept", nil, nil)
		// Wed 4/3 10:00 + 5 working days = Wed 11/3 10:00.
		if !strings.Contains(text(page), "10:00 ngày 11/03/2026") {
			t.Fatalf("appointment after acceptance: %s", text(page))
		}
		// The receipt (form 01) is filed with the dossier and downloads as a PDF.
		receipt := regexp.MustCompile(`href="(/dossiers/[0-9]+/files/[0-9]+)">([^<]*giay-tiep-nhan\.pdf)`).FindStringSubmatch(page)
		if receipt == nil {
			t.Fatalf("no receipt after acceptance: %s", text(page))
		}
		if r, err := desk.Get(s.url + receipt[1]); err != nil || r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("receipt download: %v %v", err, r)
		} else {
			r.Body.Close()
		}
		specialist := officialClient(t, s.url, "badinh.chuyenvien")
		head := officialClient(t, s.url, "badinh.truongphong")
		leader := officialClient(t, s.url, "badinh.lanhdao")
		act(t, specialist, s.url, id, "forward", nil, nil)
		// On Monday 9/3 the head of unit sees it will be late: apology and a new date.
		clk.Set(time.Date(2026, 3, 9, 9, 0, 0, 0, ict))
		head = officialClient(t, s.url, "badinh.truongphong")
		leader = officialClient(t, s.url, "badinh.lanhdao")
		page = act(t, head, s.url, id, "extend", url.Values{"new_due": {"2026-03-13"}, "reason": {"Cần xác minh thêm với nơi đăng ký khai sinh trước đây."}}, nil)
		if !strings.Contains(text(page), "17:00 ngày 13/03/2026") || !strings.Contains(text(page), "đã gia hạn") || !strings.Contains(page, "van-ban-xin-loi.pdf") {
			t.Fatalf("after the extension (with the apology, form 04): %s", text(page))
		}
		// A second extension is refused.
		_, p := get(t, head, s.url+"/office/dossiers/"+id)
		resp, body = multipartPost(t, head, s.url+"/office/dossiers/"+id+"/actions/extend",
			url.Values{"version": {versionRE.FindStringSubmatch(p)[1]}, "new_due": {"2026-03-20"}, "reason": {"Lần hai"}}, nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(text(body), "không được gia hạn lần thứ hai") {
			t.Errorf("second extension: %d %s", resp.StatusCode, text(body))
		}
		act(t, head, s.url, id, "approve", nil, nil)
		act(t, leader, s.url, id, "sign", nil, nil)
		// The result is issued on Monday 16/3, after the new date.
		clk.Set(time.Date(2026, 3, 16, 9, 0, 0, 0, ict))
		desk = officialClient(t, s.url, "badinh.tiepnhan")
		page = act(t, desk, s.url, id, "issue_result", nil, map[string][2]string{"files": {"ket-qua.pdf", minimalPDF}})
		if !strings.Contains(text(page), "quá hạn") {
			t.Errorf("the late result is not judged late: %s", text(page))
		}
		page = act(t, desk, s.url, id, "return_result", url.Values{"return_channel": {"counter"}}, nil)
		// The process control slip (form 06) comes from the history.
		if r, err := desk.Get(s.url + "/dossiers/" + id + "/control-slip.pdf"); err != nil || r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("control slip: %v %v", err, r)
		} else {
			r.Body.Close()
		}
		// The history explains every change of the due date.
		for _, want := range []string{"Xin lỗi và gia hạn", "10:00 ngày 11/03/2026 → 17:00 ngày 13/03/2026", "Cần xác minh thêm", "Đã trả kết quả"} {
			if !strings.Contains(text(page), want) {
				t.Errorf("the history lacks %q", want)
			}
		}
	})
}
