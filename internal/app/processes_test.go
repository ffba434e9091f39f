package app

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/identity"
)

// process runs "motcua serve" as a child process and returns its URL.
func process(t *testing.T, args ...string) string {
	t.Helper()
	u, _ := spawn(t, args...)
	return u
}

// spawn runs "motcua serve" as a child process and returns its URL and the
// process, which the test may kill; it is interrupted at cleanup otherwise.
func spawn(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MOTCUA_TEST_RUN_MAIN="+strings.Join(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`msg=serving addr=([0-9.:]+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a, cmd
	case <-time.After(90 * time.Second):
		t.Fatal("server process did not start")
	}
	return "", nil
}

// Two server processes on one PostgreSQL accept dossiers at the same
// time: every code is distinct and the sequence has no duplicate.
func TestTwoProcessesNeverDuplicateDossierCodes(t *testing.T) {
	dsn := dbtest.DSN(t, dbtest.Postgres)
	files := t.TempDir()
	common := []string{"--db", dsn, "--files-dir", files}
	a := process(t, append([]string{"--demo", "--data", t.TempDir()}, common...)...)
	b := process(t, append([]string{"--demo", "--data", t.TempDir()}, common...)...)

	// Citizens' applications, filed through the service against the same
	// database and file store.
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	log := audit.New(nil)
	ags := agency.NewService(d, log, nil)
	ids := identity.NewService(d, log, ags, identity.Config{Password: identity.PasswordParams{Memory: 64, Time: 1, Threads: 1}})
	cat := catalog.NewService(d, log, ags, nil)
	cals := calendar.NewService(d, log, ags, nil, nil)
	store, err := blob.NewDisk(files)
	if err != nil {
		t.Fatal(err)
	}
	svc := dossier.NewService(d, log, cat, ags, cals, blobSizes{store}, nil, dossier.Config{})
	ver, err := cat.Published(ctx, "1.001193", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := ver.Doc.Cases[0]
	info, err := store.Put(ctx, strings.NewReader(minimalPDF), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var idsToAccept []int64
	for i := range n {
		nid := fmt.Sprintf("0010900%05d", i)
		_, p, err := ids.CitizenSignIn(ctx, identity.CitizenClaims{Issuer: "test", Subject: nid, NationalID: nid, FullName: "Công dân " + nid}, identity.Client{})
		if err != nil {
			t.Fatal(err)
		}
		app := dossier.Application{ProcedureCode: "1.001193", CaseCode: c.Code, AgencyCode: "H26.50.01",
			Applicant: dossier.Applicant{FullName: p.Name}, Form: map[string]string{}}
		for _, f := range c.Form {
			switch f.Type {
			case "date":
				app.Form[f.Name] = "2026-11-20"
			case "select":
				app.Form[f.Name] = f.Options[0]
			case "national_id":
				app.Form[f.Name] = nid
			case "tel":
				app.Form[f.Name] = "0912345678"
			case "email":
				app.Form[f.Name] = "a@example.com"
			default:
				app.Form[f.Name] = "Nguyễn Văn A"
			}
		}
		for _, m := range c.Components {
			app.Files = append(app.Files, dossier.FileRef{ComponentCode: m.Code, SHA256: info.SHA256, Name: "x.pdf", ContentType: "application/pdf"})
		}
		dd, err := svc.Submit(ctx, p, app, fmt.Sprintf("k%d", i))
		if err != nil {
			t.Fatal(err)
		}
		idsToAccept = append(idsToAccept, dd.ID)
	}

	// The desk accepts them all, half through each process, concurrently.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for w, base := range []string{a, b, a, b} {
		c := officialClient(t, base, "badinh.tiepnhan")
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				id := fmt.Sprint(idsToAccept[i])
				_, page := get(t, c, base+"/office/dossiers/"+id)
				v := versionRE.FindStringSubmatch(page)
				if v == nil {
					mu.Lock()
					failures = append(failures, "no form for "+id)
					mu.Unlock()
					continue
				}
				resp, body := multipartPost(t, c, base+"/office/dossiers/"+id+"/actions/accept", url.Values{"version": {v[1]}}, nil)
				if resp.StatusCode != http.StatusSeeOther {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("accept %s: %d %.200s", id, resp.StatusCode, text(body)))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d acceptances failed: %v", len(failures), failures[:min(3, len(failures))])
	}
	rows, err := d.QueryContext(ctx, `SELECT code FROM dossiers WHERE code IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for rows.Next() {
		var code string
		rows.Scan(&code)
		codes = append(codes, code)
	}
	rows.Close()
	slices.Sort(codes)
	if len(codes) != n || len(slices.Compact(slices.Clone(codes))) != n {
		t.Fatalf("%d codes, %d distinct: %v", len(codes), len(slices.Compact(slices.Clone(codes))), codes)
	}
	for i, code := range codes {
		if !strings.HasSuffix(code, fmt.Sprintf("-%04d", i+1)) {
			t.Errorf("code %d is %s: the sequence has a gap or a duplicate", i+1, code)
		}
	}
}
