package app

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The deployment switches one desk to format B (TT 04/2025) from the
// command line; its next dossier gets a format-B code, and bad settings are
// refused with the reason.
func TestAgencyCodeFormatCommand(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		s := start(t, "--demo", "--data", data, "--db", dsn)
		for _, bad := range [][]string{
			{"H26.50.01", "B"},       // no owner
			{"H26.50.01", "B", "1x"}, // not two digits
			{"H26.50.01", "A", "12"}, // format A has no owner
			{"H26.50.01", "C"},       // no such format
			{"H26.99.99", "B", "12"}, // no such agency
		} {
			code, out, errOut := run(t, "", append([]string{"agency", "code-format", "--data", data, "--db", dsn}, bad...)...)
			if code == 0 {
				t.Errorf("code-format %v: accepted (%s)", bad, out)
			} else if errOut == "" {
				t.Errorf("code-format %v: refused without a reason", bad)
			}
		}
		code, out, errOut := run(t, "", "agency", "code-format", "--data", data, "--db", dsn, "H26.50.01", "B", "12")
		if code != 0 || !strings.Contains(out, "format B") {
			t.Fatalf("code-format B: %d %q %q", code, out, errOut)
		}

		citizen := citizenClient(t, s.url, "dev-citizen-01")
		_, form := get(t, citizen, s.url+"/procedures/1.001193/apply")
		fields, files := applyFields(t, form)
		resp, body := multipartPost(t, citizen, s.url+"/procedures/1.001193/apply", fields, files)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d\n%s", resp.StatusCode, text(body))
		}
		id := strings.TrimPrefix(strings.SplitN(resp.Header.Get("Location"), "?", 2)[0], "/me/dossiers/")
		page := act(t, officialClient(t, s.url, "badinh.tiepnhan"), s.url, id, "accept", nil, nil)
		if m := regexp.MustCompile(`<code>([^<]*-[0-9]{6}-12[0-9]{4,})</code>`).FindStringSubmatch(page); m == nil || strings.HasPrefix(m[1], "000.") {
			t.Fatalf("no format-B code after acceptance: %v\n%s", m, text(page))
		}
		if code, out, _ := run(t, "", "audit", "verify", "--data", data, "--db", dsn); code != 0 {
			t.Errorf("audit verify: %s", out)
		}
	})
}
