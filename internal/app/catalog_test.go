package app

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/catalog"
)

// upload posts a catalogue file to the import page.
func upload(t *testing.T, c *http.Client, base, name string, data []byte, publish bool) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	if publish {
		mw.WriteField("publish", "on")
	}
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/office/catalog/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func workbook(t *testing.T, b catalog.Bundle) []byte {
	var buf bytes.Buffer
	if err := catalog.WriteXLSX(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The administrator's path through the catalogue (issue 3, "Done means"),
// through the real pages.
func TestCatalogueAdministration(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		s := start(t, "--demo", "--data", data, "--db", dsn)
		c := client(t)
		resp, _ := post(t, c, s.url+"/office/login", url.Values{"username": {"admin"}, "password": {"motcua-demo-2026"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		// The template downloads as a workbook.
		resp2, err := c.Get(s.url + "/office/catalog/template.xlsx")
		if err != nil || resp2.StatusCode != 200 || !strings.Contains(resp2.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("template: %v %v", err, resp2)
		}
		resp2.Body.Close()

		// A workbook with one error: nothing imported, exactly that error shown.
		b := catalog.ExampleBundle()
		b.Procedures[0].Code = "1.999901"
		b.Procedures[0].NameVI = "Thủ tục thử nghiệm nhập danh mục"
		b.Procedures[0].Cases[0].Fees[0].AmountVND = -8000
		code, page := upload(t, c, s.url, "danh-muc.xlsx", workbook(t, b), false)
		rows := regexp.MustCompile(`(?s)<tbody><tr><td>(.*?)</td><td>(.*?)</td></tr></tbody>`).FindStringSubmatch(page)
		if code != http.StatusUnprocessableEntity || rows == nil {
			t.Fatalf("import with an error: %d\n%s", code, text(page))
		}
		if !strings.Contains(rows[1], "Phí lệ phí") || !strings.Contains(rows[1], "dòng") || !strings.Contains(rows[2], "không được âm") {
			t.Errorf("the problem is not located in the fees sheet: %q / %q", rows[1], rows[2])
		}
		if strings.Count(page, "<tr><td>") != 1 {
			t.Errorf("more than the one problem listed:\n%s", text(page))
		}
		if code, _ := get(t, c, s.url+"/procedures/1.999901"); code != http.StatusNotFound {
			t.Errorf("a failed import published something: %d", code)
		}

		// Fixed, imported as a draft, then published.
		b.Procedures[0].Cases[0].Fees[0].AmountVND = 8000
		code, page = upload(t, c, s.url, "danh-muc.xlsx", workbook(t, b), false)
		if code != 200 || !strings.Contains(text(page), "Đã nhập 1 thủ tục") {
			t.Fatalf("fixed import: %d %s", code, text(page))
		}
		if code, _ := get(t, c, s.url+"/procedures/1.999901"); code != http.StatusNotFound {
			t.Errorf("an unpublished draft is public: %d", code)
		}
		resp, _ = post(t, c, s.url+"/office/catalog/1.999901/publish", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d", resp.StatusCode)
		}
		code, v1 := get(t, c, s.url+"/procedures/1.999901")
		if code != 200 || !strings.Contains(v1, "Thủ tục thử nghiệm nhập danh mục") || !strings.Contains(v1, "8.000 đồng") {
			t.Fatalf("published page: %d %s", code, text(v1))
		}

		// Edited: a second version; the first stays readable.
		_, form := get(t, c, s.url+"/office/catalog/1.999901/edit")
		values := url.Values{}
		for _, m := range regexp.MustCompile(`(?s)<(?:input|textarea)[^>]*name="([a-z_]+)"[^>]*?(?:value="([^"]*)"[^>]*>|>(.*?)</textarea>)`).FindAllStringSubmatch(form, -1) {
			if strings.Contains(m[0], `type="checkbox"`) || strings.Contains(m[0], `type="radio"`) {
				if strings.Contains(m[0], " checked") {
					values.Add(m[1], m[2])
				}
				continue
			}
			values.Set(m[1], htmlText(m[2]+m[3]))
		}
		for _, m := range regexp.MustCompile(`(?s)<select id="f-field" name="field".*?<option value="([^"]*)" selected>`).FindAllStringSubmatch(form, -1) {
			values.Set("field", m[1])
		}
		values.Set("name_vi", "Thủ tục thử nghiệm nhập danh mục (sửa đổi)")
		resp, page = post(t, c, s.url+"/office/catalog/1.999901", values)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save draft: %d %s", resp.StatusCode, text(page))
		}
		if _, cur := get(t, c, s.url+"/procedures/1.999901"); strings.Contains(cur, "(sửa đổi)") {
			t.Error("a draft changed the published page")
		}
		resp, _ = post(t, c, s.url+"/office/catalog/1.999901/publish", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish v2: %d", resp.StatusCode)
		}
		_, cur := get(t, c, s.url+"/procedures/1.999901")
		code, old := get(t, c, s.url+"/procedures/1.999901?version=1")
		if !strings.Contains(cur, "(sửa đổi)") || !strings.Contains(text(cur), "Phiên bản 2") {
			t.Errorf("current version: %s", text(cur))
		}
		if code != 200 || strings.Contains(old, "(sửa đổi)") || !strings.Contains(text(old), "Phiên bản 1") || !strings.Contains(text(old), "không còn áp dụng") {
			t.Errorf("version 1: %d %s", code, text(old))
		}
		_, cmp := get(t, c, s.url+"/office/catalog/1.999901/compare?a=1&b=2")
		if !strings.Contains(cmp, "name_vi") || !strings.Contains(cmp, "(sửa đổi)") {
			t.Errorf("compare page: %s", text(cmp))
		}

		// A newcomer finds "khai sinh" without accents and downloads the form.
		_, results := get(t, client(t), s.url+"/procedures?q=khai+sinh")
		first := regexp.MustCompile(`result-title"><a href="([^"]+)"`).FindStringSubmatch(results)
		if first == nil || first[1] != "/procedures/1.001193" {
			t.Fatalf("first result for khai sinh: %v", first)
		}
		_, proc := get(t, client(t), s.url+"/procedures/1.001193")
		pdfLink := regexp.MustCompile(`href="(/procedures/1.001193/cases/[^"]+/form.pdf)"`).FindStringSubmatch(proc)
		if pdfLink == nil {
			t.Fatalf("no form to download on the procedure page")
		}
		resp3, err := client(t).Get(s.url + pdfLink[1])
		if err != nil {
			t.Fatal(err)
		}
		var pdf bytes.Buffer
		pdf.ReadFrom(resp3.Body)
		resp3.Body.Close()
		if resp3.StatusCode != 200 || resp3.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
			t.Errorf("form download: %d %s", resp3.StatusCode, resp3.Header.Get("Content-Type"))
		}
		if code, page := get(t, client(t), s.url+"/procedures/9.999999"); code != 404 || !strings.Contains(page, "Không tìm thấy") {
			t.Errorf("unknown code: %d", code)
		}
	})
}

func htmlText(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return r.Replace(s)
}
