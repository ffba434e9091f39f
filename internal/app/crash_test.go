package app

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// fileLinkRE finds the download links of a dossier page.
var fileLinkRE = regexp.MustCompile(`href="(/dossiers/[0-9]+/files/[0-9]+)"`)

// Killing the server right after it acknowledged submissions loses
// nothing: every dossier the citizen was sent to is there after a restart,
// with its attachments byte for byte, and the audit chain is whole.
func TestSubmissionSurvivesKill(t *testing.T) {
	engines(t, func(t *testing.T, data, dsn string) {
		args := []string{"--demo", "--data", data, "--db", dsn}
		base, cmd := spawn(t, args...)
		citizen := citizenClient(t, base, "dev-citizen-01")
		var acknowledged []string
		for range 3 {
			_, form := get(t, citizen, base+"/procedures/1.001193/apply")
			fields, files := applyFields(t, form)
			resp, body := multipartPost(t, citizen, base+"/procedures/1.001193/apply", fields, files)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("apply: %d\n%s", resp.StatusCode, text(body))
			}
			acknowledged = append(acknowledged, strings.SplitN(resp.Header.Get("Location"), "?", 2)[0])
		}
		// No graceful shutdown: SIGKILL the moment the last answer arrived.
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()

		base, _ = spawn(t, args...)
		citizen = citizenClient(t, base, "dev-citizen-01")
		for _, mine := range acknowledged {
			code, page := get(t, citizen, base+mine)
			if code != http.StatusOK {
				t.Fatalf("%s after the restart: %d %s", mine, code, text(page))
			}
			links := fileLinkRE.FindAllStringSubmatch(page, -1)
			if len(links) == 0 {
				t.Fatalf("%s has no attachments after the restart:\n%s", mine, text(page))
			}
			for _, l := range links {
				resp, err := citizen.Get(base + l[1])
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || string(b) != minimalPDF {
					t.Errorf("%s after the restart: %d, %d bytes", l[1], resp.StatusCode, len(b))
				}
			}
		}
		if code, out, errOut := run(t, "", "audit", "verify", "--data", data, "--db", dsn); code != 0 {
			t.Fatalf("audit verify after the kill: %d %s %s", code, out, errOut)
		}
	})
}
