package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/forms"
)

// SetAudit installs the audit log. The register book shows applicants'
// names and addresses, so it is refused without one.
func (s *Service) SetAudit(l *audit.Log) { s.audit = l }

// RegisterBook returns the register book (form 07, sổ theo dõi hồ sơ) of
// a receiving desk for a calendar year: every dossier it accepted that
// year, in the order received, numbered from 1. It holds personal data:
// only the desk's staff (and those above it) may read it, and the read is
// in the audit log, one record per dossier, so that each applicant can
// see who read their data.
func (s *Service) RegisterBook(ctx context.Context, p *authz.Principal, agencyCode string, year int) (forms.Book, error) {
	b, _, err := s.RegisterBookPage(ctx, p, agencyCode, year, 0, 0)
	return b, err
}

// RegisterBookPage is the part of the register book from entry offset+1,
// at most limit entries (all with limit 0), and the number of entries of
// the year: only the entries shown are read, and audited.
func (s *Service) RegisterBookPage(ctx context.Context, p *authz.Principal, agencyCode string, year, offset, limit int) (forms.Book, int, error) {
	const op = "report.RegisterBook"
	if year < 2000 || year > 2100 {
		return forms.Book{}, 0, errs.E(op, errs.Invalid, "report.year.invalid")
	}
	if offset < 0 || limit < 0 {
		return forms.Book{}, 0, errs.E(op, errs.Invalid, "report.page.invalid")
	}
	a, err := s.agencies.ByCode(ctx, agencyCode)
	if errs.Is(err, errs.NotFound) {
		return forms.Book{}, 0, errs.E(op, errs.Invalid, "report.agency.unknown", agencyCode)
	}
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	if err := authz.Authorize(op, p, authz.ReadDossier, authz.Object{AgencyPath: a.Path}); err != nil {
		return forms.Book{}, 0, err
	}
	if s.audit == nil {
		return forms.Book{}, 0, errs.E(op, errs.Internal, "error.internal")
	}
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, s.loc)
	to := from.AddDate(1, 0, 0)
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dossiers WHERE receiving_agency_id = ? AND received_at >= ? AND received_at < ?`,
		a.ID, db.T(from), db.T(to)).Scan(&total); err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	page := ""
	args := []any{a.ID, db.T(from), db.T(to)}
	if limit > 0 {
		page = ` LIMIT ? OFFSET ?`
		args = append(args, limit, offset)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.code, d.procedure_name, d.applicant, d.applicant_national_id, COALESCE(g.name_vi, ''),
		d.received_at, d.due_at, d.finished_at, d.returned_at, d.status, d.extended, d.result_kind
		FROM dossiers d LEFT JOIN agencies g ON g.id = d.processing_agency_id
		WHERE d.receiving_agency_id = ? AND d.received_at >= ? AND d.received_at < ? ORDER BY d.received_at, d.id`+page, args...)
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	type read struct {
		id  int64
		nid string
	}
	var reads []read
	book := forms.Book{Agency: forms.Agency{Name: a.NameVI, Address: a.Address, Phone: a.Phone}, Year: year, Date: s.now(), Loc: s.loc}
	for rows.Next() {
		var e forms.BookEntry
		var id int64
		var app, nid, status, kind string
		var extended bool
		var rec, due, fin, ret db.Time
		if err := rows.Scan(&id, &e.Code, &e.Procedure, &app, &nid, &e.Processing, &rec, &due, &fin, &ret, &status, &extended, &kind); err != nil {
			rows.Close()
			return forms.Book{}, 0, errs.Wrap(op, err)
		}
		var applicant struct {
			FullName string `json:"full_name"`
			Address  string `json:"address"`
			Phone    string `json:"phone"`
			OrgName  string `json:"org_name"`
		}
		json.Unmarshal([]byte(app), &applicant)
		e.No, e.Sets, e.Applicant = offset+len(book.Entries)+1, 1, applicant.FullName
		if applicant.OrgName != "" {
			e.Applicant = applicant.OrgName + " (" + applicant.FullName + ")"
		}
		e.Contact = strings.Trim(applicant.Address+"; "+applicant.Phone, "; ")
		// The electronic hand-over to the processing agency happens at
		// acceptance; the result comes back when it is issued.
		e.Received, e.Due, e.Forwarded, e.ResultIn, e.Returned = rec.Time, due.Time, rec.Time, fin.Time, ret.Time
		if kind == "stop" {
			e.ResultIn = time.Time{}
		}
		e.Note = bookNote(status, kind, extended)
		book.Entries = append(book.Entries, e)
		reads = append(reads, read{id, nid})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, r := range reads {
			if err := s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "report.register_book", ObjectType: "dossier",
				ObjectID: strconv.FormatInt(r.id, 10), SubjectNationalID: r.nid, PersonalRead: true,
				Summary: map[string]any{"agency": agencyCode, "year": year}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	return book, total, nil
}

// bookNote is the remark column: how the dossier ended, if not by a result.
func bookNote(status, kind string, extended bool) string {
	var notes []string
	switch {
	case kind == "stop":
		notes = append(notes, "Dừng giải quyết (rút hồ sơ)")
	case kind == "refusal":
		notes = append(notes, "Từ chối giải quyết")
	case status == "supplement":
		notes = append(notes, "Chờ bổ sung")
	}
	if extended {
		notes = append(notes, "Gia hạn, có văn bản xin lỗi")
	}
	return strings.Join(notes, "; ")
}

// BookXLSX writes the register book as a workbook, one row per dossier,
// with the form's columns; dates are real dates (Excel's serial numbers
// shown as dd/mm/yyyy hh:mm), numbers are numbers.
func BookXLSX(w io.Writer, b forms.Book) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := fmt.Sprintf("Sổ theo dõi %d", b.Year)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	loc := b.Loc
	if loc == nil {
		loc = time.UTC
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: borders(),
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}})
	if err != nil {
		return err
	}
	datetime, err := f.NewStyle(&excelize.Style{CustomNumFmt: strPtr("dd/mm/yyyy hh:mm"), Border: borders()})
	if err != nil {
		return err
	}
	cellStyle, err := f.NewStyle(&excelize.Style{Border: borders(), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	f.SetCellValue(sheet, "A1", b.Agency.Name)
	f.SetCellValue(sheet, "A2", fmt.Sprintf("SỔ THEO DÕI HỒ SƠ — Năm %d", b.Year))
	f.SetCellStyle(sheet, "A1", "A2", bold)
	const first = 4
	headers := make([]any, len(forms.BookColumns))
	for i, h := range forms.BookColumns {
		headers[i] = h
	}
	if err := setRow(f, sheet, first, headers, func(int) int { return head }); err != nil {
		return err
	}
	// Excel stores dates without a zone: write the local wall time.
	local := func(t time.Time) any {
		if t.IsZero() {
			return ""
		}
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	}
	for i, e := range b.Entries {
		r := first + 1 + i
		vals := []any{e.No, e.Code, e.Procedure, e.Sets, e.Applicant, e.Contact, e.Processing,
			local(e.Received), local(e.Due), local(e.Forwarded), local(e.ResultIn), local(e.Returned), "", e.Note}
		err := setRow(f, sheet, r, vals, func(j int) int {
			if j >= 7 && j <= 11 {
				return datetime
			}
			return cellStyle
		})
		if err != nil {
			return err
		}
	}
	for col, width := range map[string]float64{"A": 6, "B": 28, "C": 32, "D": 10, "E": 24, "F": 28, "G": 24, "H": 17, "I": 17, "J": 17,
		"K": 17, "L": 17, "M": 10, "N": 24} {
		f.SetColWidth(sheet, col, col, width)
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: first, TopLeftCell: fmt.Sprintf("A%d", first+1), ActivePane: "bottomLeft"})
	f.SetDocProps(&excelize.DocProperties{Title: fmt.Sprintf("Sổ theo dõi hồ sơ năm %d", b.Year), Creator: "Motcua"})
	return f.Write(w)
}

func strPtr(s string) *string { return &s }
