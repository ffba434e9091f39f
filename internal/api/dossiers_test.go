package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

// ---------------------------------------------------------------------------
// Files and dossiers of the fixture (newEnv) and of the conformance cases.

// Sample files: only their first bytes make them what they are.
var (
	samplePDF    = pdfWith("tờ khai")
	samplePDFSum = sumOf(samplePDF)
	samplePNG    = pngWith("sample")
	sampleZIP    = []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00not really an archive")
	// bigPDF is one byte over the test servers' limit per file.
	bigPDF = append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{' '}, int(testUpload.MaxFile)-8)...)
)

// pdfWith is a small PDF whose content differs with text.
func pdfWith(text string) []byte {
	return []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + text + "\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

// pngWith is a small PNG whose content differs with text.
func pngWith(text string) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"), []byte("IDAT "+text+" IEND")...)
}

func sumOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// formBoundary separates the parts of the multipart bodies of the tests.
const formBoundary = "motcua-test-boundary-7f3a"

const multipartType = "multipart/form-data; boundary=" + formBoundary

// multipartFile is a multipart/form-data body with content in the part
// "file", named filename exactly as given (as a client might send it).
func multipartFile(filename, ctype string, content []byte) []byte {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	return multipartOf(h, content)
}

// multipartField is a multipart/form-data body with one text field.
func multipartField(name, value string) []byte {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+name+`"`)
	return multipartOf(h, []byte(value))
}

func multipartOf(h textproto.MIMEHeader, content []byte) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(formBoundary); err != nil {
		panic(err)
	}
	part, err := w.CreatePart(h)
	if err != nil {
		panic(err)
	}
	part.Write(content)
	w.Close()
	return buf.Bytes()
}

// The codes of the fixture's dossiers, received by H26.03 (000.00.03.H26)
// on the dossier clock's day: the seed's, and the one the conformance
// cases accept.
const (
	seedCode  = "000.00.03.H26-260302-0001"
	seedCode2 = "000.00.03.H26-260302-0002"
)

// fixtureApplication is the citizen's application for a judicial record
// (9.000001, received by H26.03, processed by H26.12) with sum as its
// declaration.
func fixtureApplication(sum string, mutate ...func(*api.SubmitRequest)) api.SubmitRequest {
	a := api.SubmitRequest{ProcedureCode: "9.000001", CaseCode: "TH1", AgencyCode: "H26.03",
		Applicant: api.Applicant{Type: "citizen", FullName: "Trần Thị Bích"},
		Form:      map[string]string{"full_name": "Trần Thị Bích", "national_id": citizenID},
		Files:     []api.FileRef{{ComponentCode: "TP1", SHA256: sum, Name: "to-khai.pdf"}}}
	for _, m := range mutate {
		m(&a)
	}
	return a
}

// seedDossiers files two of the citizen's applications through the API,
// with samplePDF as files 1 and 2, and has the desk of H26.03
// (lgsp-hanoi) accept the first: dossier 1 is seedCode, in processing at
// H26.12; dossier 2 is submitted. The document's examples name them.
func (e *env) seedDossiers() {
	t := e.t
	t.Helper()
	res := e.send(t, http.MethodPost, "/api/v1/files", multipartFile("to-khai.pdf", "application/pdf", samplePDF),
		append(cookie(e.citizenSession), "Content-Type", multipartType)...)
	if res.status != http.StatusOK {
		t.Fatalf("seed: upload: %d %s", res.status, res.body)
	}
	for i, key := range []string{"seed-1", "seed-2"} {
		res := e.send(t, http.MethodPost, "/api/v1/dossiers", fixtureApplication(samplePDFSum),
			append(cookie(e.citizenSession), "Idempotency-Key", key)...)
		var d api.Dossier
		if res.status == http.StatusCreated {
			res.decode(t, &d)
		}
		if res.status != http.StatusCreated || d.ID != int64(i+1) {
			t.Fatalf("seed: submit %s: %d %s", key, res.status, res.body)
		}
	}
	res = e.send(t, http.MethodPost, "/api/v1/dossiers/1/actions/accept", api.ActionRequest{Version: 1}, bearer(e.systemToken)...)
	var d api.Dossier
	if res.status == http.StatusOK {
		res.decode(t, &d)
	}
	if res.status != http.StatusOK || d.Code == nil || *d.Code != seedCode {
		t.Fatalf("seed: accept: %d %s, want code %s", res.status, res.body, seedCode)
	}
}

// exhaustLookups spends the client's lookups on e's server.
func exhaustLookups(t *testing.T, e *env) {
	for e.lookups.Allow("127.0.0.1") {
	}
}

// dossierStatuses are the states of dossier.Status.
var dossierStatuses = []string{string(dossier.Draft), string(dossier.Submitted), string(dossier.ReceptionSupplement), string(dossier.Rejected),
	string(dossier.Processing), string(dossier.Supplement), string(dossier.AwaitingPayment), string(dossier.Consulting), string(dossier.Refused),
	string(dossier.ResultReady), string(dossier.Withdrawn), string(dossier.Returned)}

// apiActions are the actions the API offers: every action of the state
// machine but submission (POST /api/v1/dossiers) and the counter's
// registration (an event, not an action anybody takes).
var apiActions = []string{string(dossier.Accept), string(dossier.RequestSupplementDesk), string(dossier.RejectAtDesk),
	string(dossier.Resubmit), string(dossier.Assign), string(dossier.Claim), string(dossier.Forward), string(dossier.SendBack),
	string(dossier.RequestSupplement), string(dossier.SupplementReceived), string(dossier.Consult), string(dossier.Answer),
	string(dossier.RequestPayment), string(dossier.MarkPaid),
	string(dossier.Refuse), string(dossier.Approve), string(dossier.Sign), string(dossier.IssueResult), string(dossier.Extend),
	string(dossier.Withdraw), string(dossier.ReturnResult), string(dossier.Rate)}

// ---------------------------------------------------------------------------
// The dossier API on the demonstration data set.

// The demo agencies of the tests: the desk of Ba Đình ward receives, its
// People's Committee processes.
const (
	baDinhDesk      = "H26.50.01"
	baDinhCommittee = "H26.50"
)

// TestDossierAPI exercises the dossier endpoints over HTTP on both
// engines, with the demo officials' bearer tokens and the citizen's
// session, against the demo catalogue.
func TestDossierAPI(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newDemoEnv(t, d)
		t.Run("uploads", e.testUploads)
		t.Run("upload problems", e.testUploadProblems)
		t.Run("full cycle", e.testFullCycle)
		t.Run("submission problems", e.testSubmissionProblems)
		t.Run("idempotency", e.testIdempotency)
		t.Run("who sees a dossier", e.testDossierVisibility)
		t.Run("extensions", e.testExtensions)
		t.Run("consultation", e.testConsultation)
		t.Run("inbox", e.testInbox)
		t.Run("lookup", e.testLookup)
	})
}

// ---------------------------------------------------------------------------
// Helpers.

func (e *env) citizen() []string { return cookie(e.citizenSession) }

// upload sends content as a multipart form and returns the stored file.
func (e *env) upload(t *testing.T, name, ctype string, content []byte, auth []string) api.UploadedFile {
	t.Helper()
	res := e.send(t, http.MethodPost, "/api/v1/files", multipartFile(name, ctype, content), append(slices.Clone(auth), "Content-Type", multipartType)...)
	if res.status != http.StatusOK {
		t.Fatalf("upload %s: %d %s", name, res.status, res.body)
	}
	var f api.UploadedFile
	res.decode(t, &f)
	return f
}

func (e *env) submit(t *testing.T, a api.SubmitRequest, key string, auth []string) response {
	t.Helper()
	h := slices.Clone(auth)
	if key != "" {
		h = append(h, "Idempotency-Key", key)
	}
	return e.send(t, http.MethodPost, "/api/v1/dossiers", a, h...)
}

func (e *env) act(t *testing.T, ref, action string, req api.ActionRequest, auth []string) response {
	t.Helper()
	return e.send(t, http.MethodPost, "/api/v1/dossiers/"+url.PathEscape(ref)+"/actions/"+action, req, auth...)
}

// dossierOf decodes a dossier answered with status.
func dossierOf(t *testing.T, what string, res response, status int) api.Dossier {
	t.Helper()
	if res.status != status {
		t.Fatalf("%s: status %d, want %d: %.800s", what, res.status, status, res.body)
	}
	var d api.Dossier
	res.decode(t, &d)
	return d
}

// mustAct takes an action that must succeed with the dossier's version
// and returns the dossier after it.
func (e *env) mustAct(t *testing.T, d api.Dossier, action string, req api.ActionRequest, auth []string) api.Dossier {
	t.Helper()
	req.Version = d.Version
	return dossierOf(t, action, e.act(t, ref(d), action, req, auth), http.StatusOK)
}

// ref is how a client addresses d: its code once it has one.
func ref(d api.Dossier) string {
	if d.Code != nil {
		return *d.Code
	}
	return strconv.FormatInt(d.ID, 10)
}

// wantProblem checks an error's status, kind and message (the message key
// with its arguments, in Vietnamese), and, for field problems, that field
// has the message of fieldKey.
func (e *env) wantProblem(t *testing.T, what string, res response, status int, key string, args ...any) api.ErrorBody {
	t.Helper()
	kind := map[int]string{401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "invalid", 429: "rate_limited"}[status]
	body := wantError(t, what, res, status, kind)
	if res.status != status {
		return body
	}
	if want := e.cat.T("vi", key, args...); body.Message != want {
		t.Errorf("%s: message %q, want %q (%s)", what, body.Message, want, key)
	}
	return body
}

// wantFields checks the field problems of a 422: each field's message is
// that of its key (with arguments), and there are no others.
func (e *env) wantFields(t *testing.T, what string, res response, want map[string]msg) {
	t.Helper()
	body := wantError(t, what, res, http.StatusUnprocessableEntity, "invalid")
	got := map[string]string{}
	maps.Copy(got, body.Fields)
	for f, m := range want {
		if w := e.cat.T("vi", m.key, m.args...); got[f] != w {
			t.Errorf("%s: field %s: %q, want %q (%s)", what, f, got[f], w, m.key)
		}
		delete(got, f)
	}
	if len(got) > 0 && res.status == http.StatusUnprocessableEntity {
		t.Errorf("%s: other field problems %v", what, got)
	}
}

// msg is a message key with its arguments.
type msg struct {
	key  string
	args []any
}

func m(key string, args ...any) msg { return msg{key, args} }

// birthApplication is the citizen's application for a birth registration
// (1.001193, one working day) at the Ba Đình desk, with the declaration tk
// and the power of attorney uq.
func birthApplication(child, tk, uq string) api.SubmitRequest {
	return api.SubmitRequest{ProcedureCode: "1.001193", CaseCode: "TH1", AgencyCode: baDinhDesk,
		Applicant: api.Applicant{Type: "citizen", FullName: "Trần Thị Bích", Email: "bich@example.test"},
		Form: map[string]string{
			"ho_ten_tre": child, "ngay_sinh_tre": "2026-02-20", "gioi_tinh_tre": "Nữ", "noi_sinh_tre": "Bệnh viện Phụ sản Hà Nội",
			"ho_ten_me": "Trần Thị Bích", "quan_he": "Mẹ", "ho_ten_nguoi_yeu_cau": "Trần Thị Bích", "so_dinh_danh": citizenID,
			"noi_cu_tru": "Phường Ba Đình, Hà Nội",
		},
		Files: []api.FileRef{{ComponentCode: "TK", SHA256: tk, Name: "Tờ khai.pdf"}, {ComponentCode: "UQ", SHA256: uq, Name: "Giấy uỷ quyền.pdf"}},
	}
}

var keySeq int

// newKey is a fresh idempotency key.
func newKey() string { keySeq++; return "key-" + strconv.Itoa(keySeq) }

// submitted files a birth registration for child as the citizen.
func (e *env) submitted(t *testing.T, child string) api.Dossier {
	t.Helper()
	tk := e.upload(t, "Tờ khai.pdf", "application/pdf", pdfWith("tờ khai "+child), e.citizen())
	uq := e.upload(t, "Uỷ quyền.pdf", "application/pdf", pdfWith("uỷ quyền "+child), e.citizen())
	return dossierOf(t, "submit", e.submit(t, birthApplication(child, tk.SHA256, uq.SHA256), newKey(), e.citizen()), http.StatusCreated)
}

// accepted is submitted, then accepted by the Ba Đình desk.
func (e *env) accepted(t *testing.T, child string) api.Dossier {
	t.Helper()
	return e.mustAct(t, e.submitted(t, child), "accept", api.ActionRequest{}, e.as("badinh.tiepnhan"))
}

func eventActions(d api.Dossier) []string {
	var out []string
	for _, ev := range d.Events {
		out = append(out, ev.Action)
	}
	return out
}

func inboxIDs(in api.Inbox) []int64 {
	out := []int64{}
	for _, d := range in.Items {
		out = append(out, d.ID)
	}
	return out
}

func (e *env) inbox(t *testing.T, query string, auth []string) api.Inbox {
	t.Helper()
	res := e.get(t, "/api/v1/inbox"+query, auth...)
	if res.status != http.StatusOK {
		t.Fatalf("inbox%s: %d %s", query, res.status, res.body)
	}
	var in api.Inbox
	res.decode(t, &in)
	return in
}

// stored reports whether the blob store holds content.
func (e *env) holds(t *testing.T, content []byte) bool {
	t.Helper()
	_, err := e.blobs.Stat(context.Background(), sumOf(content))
	switch {
	case err == nil:
		return true
	case errs.Is(err, errs.NotFound):
		return false
	}
	t.Fatalf("Stat: %v", err)
	return false
}

// ---------------------------------------------------------------------------
// Uploads.

func (e *env) testUploads(t *testing.T) {
	pdf := pdfWith("upload")
	tests := []struct {
		name     string
		target   string
		body     []byte
		ctype    string
		auth     []string
		wantName string
		wantType string
	}{
		{"multipart", "/api/v1/files", multipartFile("Tờ khai.pdf", "application/pdf", pdf), multipartType, e.citizen(), "Tờ khai.pdf", "application/pdf"},
		// macOS sends names decomposed: they are kept composed (NFC).
		{"decomposed name", "/api/v1/files", multipartFile("To\u031b\u0300 khai.pdf", "", pdf), multipartType, e.citizen(), "Tờ khai.pdf", "application/pdf"},
		{"raw body", "/api/v1/files?filename=" + url.QueryEscape("Giấy khai sinh.pdf"), pdf, "application/pdf", e.as("badinh.tiepnhan"),
			"Giấy khai sinh.pdf", "application/pdf"},
		{"directories dropped", "/api/v1/files?filename=" + url.QueryEscape(`C:\Users\an\scan.pdf`), pdf, "application/pdf", e.citizen(),
			"scan.pdf", "application/pdf"},
		{"extension added", "/api/v1/files?filename=anh-chup", samplePNG, "image/png", e.citizen(), "anh-chup.png", "image/png"},
		{"generic type", "/api/v1/files?filename=scan.png", samplePNG, "application/octet-stream", e.citizen(), "scan.png", "image/png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.send(t, http.MethodPost, tt.target, tt.body, append(slices.Clone(tt.auth), "Content-Type", tt.ctype)...)
			if res.status != http.StatusOK {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			var f api.UploadedFile
			res.decode(t, &f)
			content := pdf
			if tt.wantType == "image/png" {
				content = samplePNG
			}
			want := api.UploadedFile{SHA256: sumOf(content), Name: tt.wantName, Size: int64(len(content)), ContentType: tt.wantType}
			if f != want {
				t.Errorf("got %+v, want %+v", f, want)
			}
			if !e.holds(t, content) {
				t.Error("the file is not stored")
			}
		})
	}
}

func (e *env) testUploadProblems(t *testing.T) {
	refusedPNG := pngWith("refused")
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	tests := []struct {
		name    string
		target  string
		body    []byte
		ctype   string
		auth    []string
		status  int
		field   string // "" for no field problem
		key     string
		args    []any
		content []byte // must not be stored
	}{
		{"too large", "/api/v1/files", multipartFile("to-khai.pdf", "application/pdf", bigPDF), multipartType, e.citizen(),
			422, "file", "blob.too_large", []any{int64(1)}, bigPDF},
		{"too large, raw", "/api/v1/files?filename=to-khai.pdf", bigPDF, "application/pdf", e.citizen(),
			422, "file", "blob.too_large", []any{int64(1)}, bigPDF},
		{"forbidden type", "/api/v1/files", multipartFile("ho-so.zip", "application/zip", sampleZIP), multipartType, e.citizen(),
			422, "file", "blob.type_forbidden", []any{"application/zip", "PDF, JPEG, PNG"}, sampleZIP},
		{"HTML named .pdf", "/api/v1/files", multipartFile("to-khai.pdf", "application/pdf", html), multipartType, e.citizen(),
			422, "file", "blob.type_forbidden", []any{"text/html", "PDF, JPEG, PNG"}, html},
		{"PNG named .pdf", "/api/v1/files", multipartFile("scan.pdf", "application/pdf", refusedPNG), multipartType, e.citizen(),
			422, "file", "blob.type_mismatch", []any{"PDF", "PNG"}, refusedPNG},
		{"PNG declared a PDF", "/api/v1/files?filename=scan", refusedPNG, "application/pdf", e.citizen(),
			422, "file", "blob.type_mismatch", []any{"PDF", "PNG"}, refusedPNG},
		{"path for a name", "/api/v1/files", multipartFile("../../etc/passwd", "application/pdf", samplePDF), multipartType, e.citizen(),
			422, "file", "blob.name_invalid", nil, samplePDF},
		{"path for a name, raw", "/api/v1/files?filename=" + url.QueryEscape(`..\..\Windows\win.ini`), samplePDF, "application/pdf", e.citizen(),
			422, "file", "blob.name_invalid", nil, samplePDF},
		{"hidden reversal in the name", "/api/v1/files", multipartFile("hoa-don\u202efdp.exe", "application/pdf", samplePDF), multipartType,
			e.citizen(), 422, "file", "blob.name_invalid", nil, samplePDF},
		{"empty", "/api/v1/files", multipartFile("to-khai.pdf", "application/pdf", nil), multipartType, e.citizen(),
			422, "file", "blob.empty", nil, nil},
		{"no file", "/api/v1/files", multipartField("ghi_chu", "quên tệp"), multipartType, e.citizen(),
			422, "file", "field.required", nil, nil},
		{"raw body without a name", "/api/v1/files", samplePDF, "application/pdf", e.citizen(),
			422, "filename", "field.required", nil, samplePDF},
		{"anonymous", "/api/v1/files", multipartFile("to-khai.pdf", "application/pdf", samplePDF), multipartType, nil,
			401, "", "error.unauthenticated", nil, samplePDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.send(t, http.MethodPost, tt.target, tt.body, append(slices.Clone(tt.auth), "Content-Type", tt.ctype)...)
			if tt.field == "" {
				e.wantProblem(t, tt.name, res, tt.status, tt.key, tt.args...)
			} else {
				e.wantFields(t, tt.name, res, map[string]msg{tt.field: m(tt.key, tt.args...)})
			}
			if tt.content != nil && e.holds(t, tt.content) {
				t.Error("the refused file was stored")
			}
		})
	}
}

// ---------------------------------------------------------------------------
// The whole life of a dossier.

func (e *env) testFullCycle(t *testing.T) {
	citizen := e.citizen()
	desk, specialist, head, leader := e.as("badinh.tiepnhan"), e.as("badinh.chuyenvien"), e.as("badinh.truongphong"), e.as("badinh.lanhdao")

	// The citizen uploads two PDFs and applies.
	tkPDF, uqPDF := pdfWith("tờ khai cycle"), pdfWith("uỷ quyền cycle")
	tk := e.upload(t, "Tờ khai.pdf", "application/pdf", tkPDF, citizen)
	uq := e.upload(t, "Giấy uỷ quyền.pdf", "application/pdf", uqPDF, citizen)
	app := birthApplication("Nguyễn Thị Hoa", tk.SHA256, uq.SHA256)
	res := e.submit(t, app, "cycle-1", citizen)
	d := dossierOf(t, "submit", res, http.StatusCreated)
	if got, want := res.header.Get("Location"), "/api/v1/dossiers/"+strconv.FormatInt(d.ID, 10); got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if d.Code != nil || d.Status != "submitted" || d.NationalStatus != 1 || d.Channel != "online" || d.Version != 1 || d.Step != nil ||
		d.ReceivingAgency != baDinhDesk || d.Applicant.NationalID != citizenID || d.Form["ho_ten_tre"] != "Nguyễn Thị Hoa" {
		t.Errorf("submitted: %+v", d)
	}
	if len(d.Files) != 2 || d.Files[0].ComponentCode != "TK" || d.Files[0].SHA256 != tk.SHA256 || d.Files[0].ContentType != "application/pdf" ||
		d.Files[0].Size != int64(len(tkPDF)) || d.Files[1].Name != "Giấy uỷ quyền.pdf" || d.Files[0].Href != "/api/v1/dossiers/"+ref(d)+"/files/"+strconv.FormatInt(d.Files[0].ID, 10) {
		t.Errorf("files: %+v", d.Files)
	}
	if got := eventActions(d); !slices.Equal(got, []string{"submit"}) {
		t.Errorf("history %v", got)
	}

	// A retry with the same key is the same dossier; the key with another
	// body is a conflict.
	again := dossierOf(t, "replay", e.submit(t, app, "cycle-1", citizen), http.StatusCreated)
	if again.ID != d.ID || again.Version != d.Version {
		t.Errorf("replay made dossier %d version %d, want %d version %d", again.ID, again.Version, d.ID, d.Version)
	}
	other := birthApplication("Nguyễn Thị Hoa", tk.SHA256, uq.SHA256)
	other.Form["ho_ten_tre"] = "Nguyễn Văn Hùng"
	e.wantProblem(t, "replay with another body", e.submit(t, other, "cycle-1", citizen), 409, "dossier.idempotency.mismatch")

	// The desk sees it among the new ones and accepts it; others cannot.
	if in := e.inbox(t, "", desk); in.Box != "new" || !slices.Contains(inboxIDs(in), d.ID) {
		t.Errorf("desk's default tray %s: %v, want %d among the new", in.Box, inboxIDs(in), d.ID)
	}
	e.wantProblem(t, "another agency's desk accepts", e.act(t, ref(d), "accept", api.ActionRequest{Version: 1}, e.as("motcua.tiepnhan")),
		404, "dossier.not_found")
	e.wantProblem(t, "stale version", e.act(t, ref(d), "accept", api.ActionRequest{Version: 0}, desk), 409, "dossier.stale")
	e.wantProblem(t, "the applicant accepts", e.act(t, ref(d), "accept", api.ActionRequest{Version: 1}, citizen), 403, "error.forbidden")
	d = e.mustAct(t, d, "accept", api.ActionRequest{Comment: "Hồ sơ đầy đủ"}, desk)
	if d.Code == nil || d.Status != "processing" || d.NationalStatus != 4 || d.ProcessingAgency != baDinhCommittee || d.ReceivedAt == nil || d.DueAt == nil ||
		d.Step == nil || d.Step.Index != 1 || d.Step.Role != "specialist" || d.Version != 2 {
		t.Fatalf("accepted: %+v", d)
	}
	if _, _, ok := dossier.ParseCode(*d.Code); !ok || !strings.HasPrefix(*d.Code, "000.01.50.H26-260302-") {
		t.Errorf("code %q", *d.Code)
	}
	// From now on the code addresses it, in any case; so does the id.
	for _, r := range []string{*d.Code, strings.ToLower(*d.Code), strconv.FormatInt(d.ID, 10)} {
		if got := dossierOf(t, "get "+r, e.get(t, "/api/v1/dossiers/"+url.PathEscape(r), citizen...), http.StatusOK); got.ID != d.ID {
			t.Errorf("GET %s: dossier %d", r, got.ID)
		}
	}

	// The process: specialist, head of unit, leader, each in turn.
	steps := []struct {
		name   string
		action string
		auth   []string
		status int
		key    string
		step   int // after a success
	}{
		{"the head approves before the specialist", "approve", head, 409, "dossier.step.out_of_order", 0},
		{"a specialist cannot approve", "approve", specialist, 403, "dossier.role", 0},
		{"another agency's specialist", "forward", e.as("tuphap.chuyenvien"), 404, "dossier.not_found", 0},
		{"the specialist forwards", "forward", specialist, 200, "", 2},
		{"the leader signs before the approval", "sign", leader, 409, "dossier.step.out_of_order", 0},
		{"the specialist cannot approve either", "approve", specialist, 403, "dossier.role", 0},
		{"the head approves", "approve", head, 200, "", 3},
		{"the head cannot sign", "sign", head, 403, "dossier.role", 0},
		{"the head cannot approve twice", "approve", head, 409, "dossier.step.out_of_order", 0},
		{"the leader signs", "sign", leader, 200, "", 4},
	}
	for _, s := range steps {
		res := e.act(t, ref(d), s.action, api.ActionRequest{Version: d.Version, Comment: s.name}, s.auth)
		if s.status != http.StatusOK {
			e.wantProblem(t, s.name, res, s.status, s.key)
			continue
		}
		d = dossierOf(t, s.name, res, http.StatusOK)
		if d.Step == nil || d.Step.Index != s.step {
			t.Fatalf("%s: step %+v, want %d", s.name, d.Step, s.step)
		}
	}
	if d.Step.Role != "reception-officer" {
		t.Errorf("last step %+v, want the desk's", d.Step)
	}
	e.wantProblem(t, "stale version at the last step", e.act(t, ref(d), "issue_result", api.ActionRequest{Version: d.Version - 1}, desk),
		409, "dossier.stale")

	// The desk issues the result, uploaded as a raw body.
	result := pdfWith("trích lục khai sinh Nguyễn Thị Hoa")
	res = e.send(t, http.MethodPost, "/api/v1/files?filename="+url.QueryEscape("Trích lục khai sinh.pdf"), result,
		append(slices.Clone(desk), "Content-Type", "application/pdf")...)
	if res.status != http.StatusOK {
		t.Fatalf("upload the result: %d %s", res.status, res.body)
	}
	var up api.UploadedFile
	res.decode(t, &up)
	d = e.mustAct(t, d, "issue_result", api.ActionRequest{Files: []api.FileRef{{SHA256: up.SHA256, Name: up.Name}}}, desk)
	if d.Status != "result_ready" || d.NationalStatus != 9 || d.FinishedAt == nil || d.Timeliness == nil || d.ResultKind == nil || *d.ResultKind != "result" {
		t.Errorf("result issued: %+v", d)
	}
	if in := e.inbox(t, "?box=results", desk); !slices.Contains(inboxIDs(in), d.ID) {
		t.Errorf("results tray %v, want %d", inboxIDs(in), d.ID)
	}
	pub := e.get(t, "/api/v1/lookup/"+url.PathEscape(*d.Code))
	var lk api.DossierLookup
	pub.decode(t, &lk)
	if lk.Status != "result_ready" || lk.NationalStatus != 9 || lk.FinishedAt == nil {
		t.Errorf("lookup %+v", lk)
	}

	// It is returned online; the citizen downloads the result.
	e.wantProblem(t, "unknown return channel", e.act(t, ref(d), "return_result", api.ActionRequest{Version: d.Version, ReturnChannel: "fax"}, desk),
		422, "error.invalid")
	d = e.mustAct(t, d, "return_result", api.ActionRequest{ReturnChannel: "online"}, desk)
	if d.Status != "returned" || d.NationalStatus != 10 || d.ReturnedAt == nil {
		t.Errorf("returned: %+v", d)
	}
	d = dossierOf(t, "the citizen's view", e.get(t, "/api/v1/dossiers/"+url.PathEscape(*d.Code), citizen...), http.StatusOK)
	i := slices.IndexFunc(d.Files, func(f api.DossierFile) bool { return f.Kind == "result" })
	if i < 0 {
		t.Fatalf("no result among %+v", d.Files)
	}
	res = e.get(t, d.Files[i].Href, citizen...)
	if res.status != http.StatusOK || !bytes.Equal(res.body, result) {
		t.Fatalf("download the result: %d %.200q", res.status, res.body)
	}
	for h, want := range map[string]string{"Content-Type": "application/pdf", "ETag": `"` + up.SHA256 + `"`, "X-Content-Type-Options": "nosniff"} {
		if got := res.header.Get(h); got != want {
			t.Errorf("download: %s %q, want %q", h, got, want)
		}
	}
	if cd := res.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''Tr%C3%ADch") {
		t.Errorf("download: Content-Disposition %q", cd)
	}
	if got, want := eventActions(d), []string{"submit", "accept", "forward", "approve", "sign", "issue_result", "return_result"}; !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
	if ev := d.Events[1]; ev.ActorName != "Hoàng Thị Thu" || ev.From != "submitted" || ev.To != "processing" || ev.Comment != "Hồ sơ đầy đủ" ||
		ev.Data["code"] != *d.Code {
		t.Errorf("acceptance event %+v", ev)
	}

	// The citizen rates it, once.
	d = e.mustAct(t, d, "rate", api.ActionRequest{Rating: "satisfied", Comment: "Nhanh"}, citizen)
	e.wantProblem(t, "a second rating", e.act(t, ref(d), "rate", api.ActionRequest{Version: d.Version, Rating: "neutral"}, citizen),
		409, "dossier.rate.once")
}

// ---------------------------------------------------------------------------
// Bad applications.

func (e *env) testSubmissionProblems(t *testing.T) {
	tk := e.upload(t, "Tờ khai.pdf", "application/pdf", pdfWith("tờ khai problems"), e.citizen())
	uq := e.upload(t, "Uỷ quyền.pdf", "application/pdf", pdfWith("uỷ quyền problems"), e.citizen())
	var tkName string
	for _, c := range demoDoc(t, "1.001193").Cases[0].Components {
		if c.Code == "TK" {
			tkName = c.NameVI
		}
	}
	tests := []struct {
		name   string
		mutate func(a *api.SubmitRequest)
		want   map[string]msg
	}{
		{"national id in the e-form", func(a *api.SubmitRequest) { a.Form["so_dinh_danh"] = "12345" },
			map[string]msg{"form.so_dinh_danh": m("dossier.form.national_id")}},
		{"date in the e-form", func(a *api.SubmitRequest) { a.Form["ngay_sinh_tre"] = "20/02/2026" },
			map[string]msg{"form.ngay_sinh_tre": m("field.date")}},
		{"choice not offered", func(a *api.SubmitRequest) { a.Form["gioi_tinh_tre"] = "Khác" },
			map[string]msg{"form.gioi_tinh_tre": m("catalog.unknown_value", "Khác")}},
		{"pattern of the e-form", func(a *api.SubmitRequest) { a.Form["dien_thoai"] = "12345" },
			map[string]msg{"form.dien_thoai": m("dossier.form.pattern")}},
		{"required value", func(a *api.SubmitRequest) { delete(a.Form, "ho_ten_me") },
			map[string]msg{"form.ho_ten_me": m("field.required")}},
		{"everything wrong at once", func(a *api.SubmitRequest) { a.Form = nil; a.Applicant.FullName = "" },
			nil}, // checked below: several fields
		{"required document", func(a *api.SubmitRequest) { a.Files = a.Files[1:] },
			map[string]msg{"files.TK": m("dossier.component.missing", tkName)}},
		{"unknown document", func(a *api.SubmitRequest) { a.Files[1].ComponentCode = "XYZ" },
			map[string]msg{"files.1": m("dossier.component.unknown", "XYZ")}},
		{"path for a file name", func(a *api.SubmitRequest) { a.Files[0].Name = "../../etc/passwd" },
			map[string]msg{"files[0].name": m("blob.name_invalid")}},
		{"control character in a file name", func(a *api.SubmitRequest) { a.Files[1].Name = "uy\x00quyen.pdf" },
			map[string]msg{"files[1].name": m("blob.name_invalid")}},
		{"file never uploaded", func(a *api.SubmitRequest) { a.Files[0].SHA256 = sumOf([]byte("never uploaded")) },
			map[string]msg{"files[0].sha256": m("blob.not_found")}},
		{"not a sum", func(a *api.SubmitRequest) { a.Files[0].SHA256 = "../../etc/passwd" },
			map[string]msg{"files[0].sha256": m("blob.sum_invalid")}},
		{"type misstated", func(a *api.SubmitRequest) { a.Files[0].ContentType = "image/jpeg" },
			map[string]msg{"files[0].content_type": m("blob.type_mismatch", "image/jpeg", "PDF")}},
		{"unknown procedure", func(a *api.SubmitRequest) { a.ProcedureCode = "9.999999" },
			map[string]msg{"procedure_code": m("catalog.not_found")}},
		{"agency that does not receive it", func(a *api.SubmitRequest) { a.AgencyCode = "H26.12" },
			map[string]msg{"agency_code": m("dossier.agency.not_receiver")}},
		{"unknown case", func(a *api.SubmitRequest) { a.CaseCode = "TH9" },
			map[string]msg{"case_code": m("dossier.case.unknown")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := birthApplication("Lê Văn Nam", tk.SHA256, uq.SHA256)
			tt.mutate(&a)
			res := e.submit(t, a, newKey(), e.citizen())
			if tt.want == nil {
				body := wantError(t, tt.name, res, 422, "invalid")
				if len(body.Fields) < 5 || body.Fields["applicant.full_name"] == "" || body.Fields["form.ho_ten_tre"] == "" {
					t.Errorf("fields %v, want every problem at once", body.Fields)
				}
				return
			}
			e.wantFields(t, tt.name, res, tt.want)
		})
	}
	e.wantProblem(t, "no idempotency key", e.submit(t, birthApplication("Lê Văn Nam", tk.SHA256, uq.SHA256), "", e.citizen()),
		422, "error.invalid")
	e.wantFields(t, "key too long", e.submit(t, birthApplication("Lê Văn Nam", tk.SHA256, uq.SHA256), strings.Repeat("k", 101), e.citizen()),
		map[string]msg{"Idempotency-Key": m("dossier.idempotency.required")})
	e.wantProblem(t, "an official applies", e.submit(t, birthApplication("Lê Văn Nam", tk.SHA256, uq.SHA256), newKey(), e.as("badinh.tiepnhan")),
		403, "error.forbidden")
	e.wantProblem(t, "anonymous", e.submit(t, birthApplication("Lê Văn Nam", tk.SHA256, uq.SHA256), newKey(), nil), 401, "error.unauthenticated")
	res := e.send(t, http.MethodPost, "/api/v1/dossiers", map[string]any{"procedure_code": "1.001193", "channel": "counter"},
		append(e.citizen(), "Idempotency-Key", newKey())...)
	if body := wantError(t, "channel is not the client's", res, 422, "invalid"); body.Fields["body"] == "" {
		t.Errorf("fields %v, want the body refused", body.Fields)
	}
	// Nothing of this was filed.
	_, p, err := e.ids.CitizenSignIn(context.Background(), identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "sub-123",
		NationalID: citizenID, FullName: "Trần Thị Bích"}, identity.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.dossiers.Mine(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range mine {
		if d.Form["ho_ten_tre"] == "Lê Văn Nam" {
			t.Errorf("a refused application was filed: dossier %d", d.ID)
		}
	}
}

// testIdempotency: keys are the applicant's own, and a retry answers as
// the first request did even after the dossier moved on.
func (e *env) testIdempotency(t *testing.T) {
	tk := e.upload(t, "Tờ khai.pdf", "application/pdf", pdfWith("tờ khai idem"), e.citizen())
	uq := e.upload(t, "Uỷ quyền.pdf", "application/pdf", pdfWith("uỷ quyền idem"), e.citizen())
	app := birthApplication("Phạm Minh Khôi", tk.SHA256, uq.SHA256)
	first := dossierOf(t, "first", e.submit(t, app, "shared-key", e.citizen()), http.StatusCreated)

	session, _, err := e.ids.CitizenSignIn(context.Background(), identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "sub-456",
		NationalID: "001090000456", FullName: "Đỗ Văn Cường"}, identity.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	theirs := app
	theirs.Applicant.FullName = "Đỗ Văn Cường"
	second := dossierOf(t, "another citizen, same key", e.submit(t, theirs, "shared-key", cookie(session)), http.StatusCreated)
	if second.ID == first.ID || second.Applicant.NationalID != "001090000456" {
		t.Errorf("another citizen's key made %+v", second)
	}
	// national_id in the body is not the applicant's to choose.
	forged := app
	forged.Applicant.NationalID = "001090000456"
	d := dossierOf(t, "forged national id", e.submit(t, forged, newKey(), e.citizen()), http.StatusCreated)
	if d.Applicant.NationalID != citizenID {
		t.Errorf("applicant %+v, want the signed-in citizen", d.Applicant)
	}

	accepted := e.mustAct(t, first, "accept", api.ActionRequest{}, e.as("badinh.tiepnhan"))
	replay := dossierOf(t, "retry after acceptance", e.submit(t, app, "shared-key", e.citizen()), http.StatusCreated)
	if replay.ID != first.ID || replay.Code == nil || *replay.Code != *accepted.Code {
		t.Errorf("retry answered %+v, want the accepted dossier %d", replay, first.ID)
	}
}

// testDossierVisibility: the applicant and the officials of the agencies
// involved see a dossier; to anybody else it does not exist.
func (e *env) testDossierVisibility(t *testing.T) {
	d := e.accepted(t, "Vũ Thị Lan")
	session, _, err := e.ids.CitizenSignIn(context.Background(), identity.CitizenClaims{Issuer: "https://vneid.test", Subject: "sub-789",
		NationalID: "001090000789", FullName: "Hồ Văn Minh"}, identity.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	file := "/files/" + strconv.FormatInt(d.Files[0].ID, 10)
	tests := []struct {
		who    string
		auth   []string
		status int
	}{
		{"the applicant", e.citizen(), 200},
		{"the desk", e.as("badinh.tiepnhan"), 200},
		{"the specialist", e.as("badinh.chuyenvien"), 200},
		{"the leader", e.as("badinh.lanhdao"), 200},
		{"another citizen", cookie(session), 404},
		{"another agency's official", e.as("tuphap.lanhdao"), 404},
		{"the platform administrator", e.as("admin"), 404},
		{"anonymous", nil, 401},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			for _, target := range []string{"/api/v1/dossiers/" + *d.Code, "/api/v1/dossiers/" + strconv.FormatInt(d.ID, 10),
				"/api/v1/dossiers/" + *d.Code + file} {
				res := e.get(t, target, tt.auth...)
				if res.status != tt.status {
					t.Errorf("GET %s: %d, want %d: %.300s", target, res.status, tt.status, res.body)
				}
			}
			// Acting needs more than seeing, but those who cannot see learn
			// nothing from trying.
			if tt.status != 200 {
				res := e.act(t, *d.Code, "withdraw", api.ActionRequest{Version: d.Version, Reason: "thử"}, tt.auth)
				if res.status != tt.status {
					t.Errorf("withdraw: %d, want %d: %.300s", res.status, tt.status, res.body)
				}
			}
		})
	}
	// An unknown id answers as another's dossier does.
	e.wantProblem(t, "unknown id", e.get(t, "/api/v1/dossiers/987654", e.citizen()...), 404, "dossier.not_found")
	e.wantProblem(t, "file of another dossier", e.get(t, "/api/v1/dossiers/"+*d.Code+"/files/1", e.citizen()...), 404, "blob.not_found")
}

// ---------------------------------------------------------------------------
// Extensions.

func (e *env) testExtensions(t *testing.T) {
	defer e.clk.Set(catalogNow)
	head, leader := e.as("badinh.truongphong"), e.as("badinh.lanhdao")
	files := []api.FileRef{}
	for _, c := range []string{"TK", "BSGKS", "CAMDOAN"} {
		f := e.upload(t, c+".pdf", "application/pdf", pdfWith("đăng ký lại "+c), e.citizen())
		files = append(files, api.FileRef{ComponentCode: c, SHA256: f.SHA256, Name: f.Name})
	}
	reRegistration := func(who string) api.Dossier {
		a := api.SubmitRequest{ProcedureCode: "1.004884", CaseCode: "TH1", AgencyCode: baDinhDesk,
			Applicant: api.Applicant{Type: "citizen", FullName: "Trần Thị Bích"},
			Form: map[string]string{"ho_ten_nguoi_duoc_dk": who, "ngay_sinh": "1990-05-01", "so_dinh_danh": citizenID,
				"noi_dk_truoc_day": "UBND xã Yên Sở", "nam_dk_truoc_day": "1990", "noi_cu_tru": "Phường Ba Đình, Hà Nội"},
			Files: files}
		d := dossierOf(t, "submit", e.submit(t, a, newKey(), e.citizen()), http.StatusCreated)
		return e.mustAct(t, d, "accept", api.ActionRequest{}, e.as("badinh.tiepnhan"))
	}
	d := reRegistration("Trần Văn Tâm")
	due := *d.DueAt
	vn := calendar.VietnamLocation()
	if got := due.In(vn).Format("2006-01-02"); got != "2026-03-09" {
		t.Errorf("due %s, want five working days after Monday 2 March", got)
	}
	extend := func(newDue, reason string) api.ActionRequest {
		return api.ActionRequest{Version: d.Version, NewDue: newDue, Reason: reason}
	}
	e.wantProblem(t, "by a specialist", e.act(t, *d.Code, "extend", extend("2026-03-16", "Cần xác minh"), e.as("badinh.chuyenvien")), 403, "dossier.role")
	e.wantProblem(t, "by another agency's leader", e.act(t, *d.Code, "extend", extend("2026-03-16", "Cần xác minh"), e.as("tuphap.lanhdao")),
		404, "dossier.not_found")
	e.wantFields(t, "not a date", e.act(t, *d.Code, "extend", extend("16/03/2026", "Cần xác minh"), head),
		map[string]msg{"new_due": m("field.date")})
	e.wantFields(t, "not later", e.act(t, *d.Code, "extend", extend("2026-03-03", "Cần xác minh"), head),
		map[string]msg{"new_due": m("dossier.extend.not_later")})
	e.wantFields(t, "on a Sunday", e.act(t, *d.Code, "extend", extend("2026-03-15", "Cần xác minh"), head),
		map[string]msg{"new_due": m("dossier.extend.not_working_day")})
	e.wantFields(t, "without a reason", e.act(t, *d.Code, "extend", extend("2026-03-16", ""), head),
		map[string]msg{"reason": m("field.required")})

	d = e.mustAct(t, d, "extend", api.ActionRequest{NewDue: "2026-03-16", Reason: "Cần xác minh với nơi đăng ký trước đây"}, head)
	if !d.Extended || d.DueAt == nil || d.DueAt.In(vn).Format("2006-01-02") != "2026-03-16" || d.OriginalDueAt == nil || !d.OriginalDueAt.Equal(due) {
		t.Errorf("extended: due %v, original %v, extended %v", d.DueAt, d.OriginalDueAt, d.Extended)
	}
	ev := d.Events[len(d.Events)-1]
	if ev.Action != "extend" || ev.DueBefore == nil || !ev.DueBefore.Equal(due) || ev.DueAfter == nil || !ev.DueAfter.Equal(*d.DueAt) {
		t.Errorf("extension event %+v", ev)
	}
	e.wantProblem(t, "a second extension", e.act(t, *d.Code, "extend", api.ActionRequest{Version: d.Version, NewDue: "2026-03-20", Reason: "Lần nữa"}, leader),
		409, "dossier.extend.once")

	// Less than one working day before the appointment is too late.
	late := reRegistration("Trần Văn Tú")
	e.clk.Set(late.DueAt.Add(-2 * time.Hour))
	e.wantProblem(t, "less than a working day before", e.act(t, *late.Code, "extend",
		api.ActionRequest{Version: late.Version, NewDue: "2026-03-16", Reason: "Cần xác minh"}, leader), 409, "dossier.extend.too_late")
}

// ---------------------------------------------------------------------------
// Consultation of other agencies.

func (e *env) testConsultation(t *testing.T) {
	specialist, justice := e.as("badinh.chuyenvien"), e.as("tuphap.lanhdao")
	d := e.accepted(t, "Cao Thị Yến")
	e.wantFields(t, "nobody to consult", e.act(t, *d.Code, "consult", api.ActionRequest{Version: d.Version, Question: "?", ConsultDays: 3}, specialist),
		map[string]msg{"consult": m("dossier.consult.agencies")})
	e.wantFields(t, "too long to answer", e.act(t, *d.Code, "consult",
		api.ActionRequest{Version: d.Version, Consult: []string{"H26.12"}, Question: "?", ConsultDays: 31}, specialist),
		map[string]msg{"consult_days": m("dossier.consult.days")})
	e.wantProblem(t, "the consulted agency cannot answer yet", e.act(t, *d.Code, "answer_consultation",
		api.ActionRequest{Version: d.Version, Answer: "Đồng ý"}, justice), 404, "dossier.not_found")

	d = e.mustAct(t, d, "consult", api.ActionRequest{Consult: []string{"H26.12"}, Question: "Xác minh hộ tịch của người mẹ", ConsultDays: 3}, specialist)
	if d.Status != "consulting" || d.NationalStatus != 4 {
		t.Errorf("consulting: %s %d", d.Status, d.NationalStatus)
	}
	if in := e.inbox(t, "?box=consulted", justice); !slices.Contains(inboxIDs(in), d.ID) {
		t.Errorf("the consulted agency's tray %v, want %d", inboxIDs(in), d.ID)
	}
	// The consulted agency reads the dossier and answers.
	dossierOf(t, "read by the consulted agency", e.get(t, "/api/v1/dossiers/"+*d.Code, justice...), http.StatusOK)
	e.wantProblem(t, "the asking agency answers itself", e.act(t, *d.Code, "answer_consultation",
		api.ActionRequest{Version: d.Version, Answer: "Đồng ý"}, specialist), 403, "dossier.role")
	d = e.mustAct(t, d, "answer_consultation", api.ActionRequest{Answer: "Thông tin hộ tịch khớp"}, justice)
	if d.Status != "processing" {
		t.Errorf("answered: status %s, want processing again", d.Status)
	}
	if ev := d.Events[len(d.Events)-1]; ev.Action != "answer_consultation" || ev.Data["answer"] != "Thông tin hộ tịch khớp" {
		t.Errorf("answer event %+v", ev)
	}
}

// ---------------------------------------------------------------------------
// The inbox.

func (e *env) testInbox(t *testing.T) {
	defer e.clk.Set(catalogNow)
	desk, specialist := e.as("badinh.tiepnhan"), e.as("badinh.chuyenvien")
	d := e.submitted(t, "Đinh Văn Bảo")
	in := e.inbox(t, "", desk)
	if in.Box != "new" || !slices.Contains(inboxIDs(in), d.ID) {
		t.Errorf("desk's default tray %s %v, want %d among the new", in.Box, inboxIDs(in), d.ID)
	}
	for _, s := range in.Items {
		if s.ID == d.ID && (s.Code != nil || s.ApplicantName != "Trần Thị Bích" || s.ReceivingAgency != baDinhDesk || s.Status != "submitted" ||
			s.Step != -1 || s.Version != 1) {
			t.Errorf("summary %+v", s)
		}
	}
	if in := e.inbox(t, "?box=new&limit=1", desk); len(in.Items) != 1 {
		t.Errorf("limit=1: %d items", len(in.Items))
	}
	if in := e.inbox(t, "", specialist); in.Box != "in_progress" || slices.Contains(inboxIDs(in), d.ID) {
		t.Errorf("specialist's default tray %s %v: a dossier not accepted yet is not in progress", in.Box, inboxIDs(in))
	}
	d = e.mustAct(t, d, "accept", api.ActionRequest{}, desk)
	if slices.Contains(inboxIDs(e.inbox(t, "?box=new", desk)), d.ID) {
		t.Error("accepted, still among the new")
	}
	trays := []struct {
		box  string
		auth []string
		want bool
	}{
		{"in_progress", specialist, true},
		{"due_soon", specialist, true}, // one working day, accepted at 9:00
		{"overdue", specialist, false},
		{"mine", specialist, false},
		{"in_progress", e.as("tuphap.chuyenvien"), false},
	}
	for _, tt := range trays {
		if got := slices.Contains(inboxIDs(e.inbox(t, "?box="+tt.box, tt.auth)), d.ID); got != tt.want {
			t.Errorf("tray %s: has %d = %v, want %v", tt.box, d.ID, got, tt.want)
		}
	}
	d = e.mustAct(t, d, "claim", api.ActionRequest{}, specialist)
	if in := e.inbox(t, "?box=mine", specialist); !slices.Contains(inboxIDs(in), d.ID) || in.Items[0].AssigneeID == nil {
		t.Errorf("mine %v, want %d claimed", inboxIDs(in), d.ID)
	}
	e.clk.Set(d.DueAt.Add(time.Hour))
	if !slices.Contains(inboxIDs(e.inbox(t, "?box=overdue", specialist)), d.ID) {
		t.Error("past its appointment, not overdue")
	}

	e.wantProblem(t, "citizen", e.get(t, "/api/v1/inbox", e.citizen()...), 403, "error.forbidden")
	e.wantProblem(t, "anonymous", e.get(t, "/api/v1/inbox"), 401, "error.unauthenticated")
	e.wantFields(t, "unknown tray", e.get(t, "/api/v1/inbox?box=archive", desk...), map[string]msg{"box": m("catalog.unknown_value", "archive")})
	e.wantFields(t, "limit", e.get(t, "/api/v1/inbox?limit=501", desk...), map[string]msg{"limit": m("api.limit", 500)})
}

// ---------------------------------------------------------------------------
// The public lookup.

func (e *env) testLookup(t *testing.T) {
	d := e.accepted(t, "Lý Thị Mai")
	for _, code := range []string{*d.Code, strings.ToLower(*d.Code), " " + *d.Code + " "} {
		res := e.get(t, "/api/v1/lookup/"+url.PathEscape(code))
		if res.status != http.StatusOK {
			t.Fatalf("lookup %q: %d %s", code, res.status, res.body)
		}
		var got api.DossierLookup
		res.decode(t, &got)
		want := api.DossierLookup{Code: *d.Code, ProcedureCode: "1.001193", ProcedureName: d.ProcedureName, Status: "processing",
			NationalStatus: 4, ReceivedAt: d.ReceivedAt, DueAt: d.DueAt}
		if got.Code != want.Code || got.ProcedureCode != want.ProcedureCode || got.ProcedureName != want.ProcedureName || got.Status != want.Status ||
			got.NationalStatus != want.NationalStatus || !got.ReceivedAt.Equal(*want.ReceivedAt) || !got.DueAt.Equal(*want.DueAt) ||
			got.FinishedAt != nil || got.ReturnedAt != nil {
			t.Errorf("lookup %q: %+v, want %+v", code, got, want)
		}
		// Nothing personal, whatever the JSON: only these properties.
		var raw map[string]any
		json.Unmarshal(res.body, &raw)
		keys := slices.Sorted(maps.Keys(raw))
		if want := []string{"code", "due_at", "finished_at", "national_status", "procedure_code", "procedure_name", "received_at", "returned_at", "status"}; !slices.Equal(keys, want) {
			t.Errorf("lookup properties %v, want %v", keys, want)
		}
		for _, personal := range []string{citizenID, "Trần Thị Bích", "Lý Thị Mai", "bich@example.test", "Ba Đình, Hà Nội"} {
			if bytes.Contains(res.body, []byte(personal)) {
				t.Errorf("lookup shows %q: %s", personal, res.body)
			}
		}
	}
	e.wantProblem(t, "unknown", e.get(t, "/api/v1/lookup/000.01.50.H26-260302-9999"), 404, "dossier.not_found")
	for _, code := range []string{"abc", "000.01.50.H26-260302", "000.01.50.H26-261302-0001", "H26.50.01", "1", "' OR '1'='1", strings.Repeat("0", 80)} {
		e.wantFields(t, "malformed "+code, e.get(t, "/api/v1/lookup/"+url.PathEscape(code)), map[string]msg{"code": m("dossier.code.malformed")})
	}
	// A dossier that has no code yet cannot be looked up by its id.
	s := e.submitted(t, "Mai Văn Đức")
	e.wantFields(t, "by id", e.get(t, "/api/v1/lookup/"+strconv.FormatInt(s.ID, 10)), map[string]msg{"code": m("dossier.code.malformed")})
}
