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
