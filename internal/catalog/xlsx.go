package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
)

// The XLSX form of a bundle (docs/catalog-xlsx.md): one sheet per concept,
// row 1 the Vietnamese column headers, row 2 the machine keys that the
// reader goes by, data from row 3. Nested things are flattened into rows
// that name their procedure (and case) by code.

// Sheet names, in workbook order.
const (
	SheetGuide      = "Hướng dẫn"
	SheetFields     = "Lĩnh vực"
	SheetProcedures = "Thủ tục"
	SheetResults    = "Kết quả"
	SheetLegal      = "Căn cứ pháp lý"
	SheetCases      = "Trường hợp"
	SheetFees       = "Phí lệ phí"
	SheetComponents = "Thành phần hồ sơ"
	SheetForm       = "Biểu mẫu điện tử"
	SheetProcess    = "Quy trình"
)

// xSheetOrder orders problems by sheet.
var xSheetOrder = []string{SheetGuide, SheetFields, SheetProcedures, SheetResults, SheetLegal, SheetCases,
	SheetFees, SheetComponents, SheetForm, SheetProcess}

// Boolean cells are written as these words.
const (
	xlsxYes = "có"
	xlsxNo  = "không"
)

// xFirstDataRow is the first row below the two header rows.
const xFirstDataRow = 3

// xlsxRecover makes ReadXLSX treat a panic while reading as a malformed
// file; the fuzz test turns it off to see the panics.
var xlsxRecover = true

// xlsxUnzipLimit bounds the uncompressed size of a workbook read, against
// zip bombs; callers should also bound the compressed upload.
const xlsxUnzipLimit = 256 << 20

// CellProblem is a problem with an imported workbook, located at a cell.
// Row is 1-based (0: the sheet as a whole, or the file when Sheet is "");
// Column is the column's letter and header, "F (Số tiền)" ("" for the
// whole row, or the header alone when the column is missing). Path is the
// bundle path the problem was reported for, when there is one.
type CellProblem struct {
	Sheet  string
	Row    int
	Column string
	Path   string
	Key    string
	Args   []any
}

// Cell is the problem's place in A1 notation: "F7"; "7:7" for a whole
// row; "" for a whole sheet or the file.
func (p CellProblem) Cell() string {
	switch {
	case p.Row <= 0:
		return ""
	case xColumnRE.MatchString(p.Column):
		return xColumnRE.FindStringSubmatch(p.Column)[1] + strconv.Itoa(p.Row)
	}
	return fmt.Sprintf("%d:%d", p.Row, p.Row)
}

var xColumnRE = regexp.MustCompile(`^([A-Z]{1,3}) \(`)

// Where is the message key and arguments that say where the problem is:
// "catalog.xlsx.at_cell" (sheet, row, column), "catalog.xlsx.at_row"
// (sheet, row), "catalog.xlsx.at_sheet" (sheet), "catalog.xlsx.at_path"
// (a bundle path the workbook did not produce) or "catalog.xlsx.at_file".
func (p CellProblem) Where() (string, []any) {
	switch {
	case p.Sheet == "" && p.Path != "":
		return "catalog.xlsx.at_path", []any{p.Path}
	case p.Sheet == "":
		return "catalog.xlsx.at_file", nil
	case p.Row <= 0:
		return "catalog.xlsx.at_sheet", []any{p.Sheet}
	case p.Column == "":
		return "catalog.xlsx.at_row", []any{p.Sheet, p.Row}
	}
	return "catalog.xlsx.at_cell", []any{p.Sheet, p.Row, p.Column}
}

func (p CellProblem) String() string {
	var b strings.Builder
	switch {
	case p.Sheet == "":
		b.WriteString(p.Path)
	case p.Row <= 0:
		b.WriteString(p.Sheet)
	default:
		fmt.Fprintf(&b, "%s!%s", p.Sheet, p.Cell())
		if p.Column != "" {
			fmt.Fprintf(&b, " %s", p.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(p.Key)
	if len(p.Args) > 0 {
		fmt.Fprintf(&b, " %v", p.Args)
	}
	return b.String()
}

// XLSXMap remembers where in a workbook each bundle path was read from, so
// that problems found later by validation can be shown at their cells.
type XLSXMap struct {
	locs map[string]xCellLoc
}

type xCellLoc struct {
	sheet string
	row   int
	col   string // "F (Số tiền)", "" for the whole row
}

func (m *XLSXMap) put(path string, l xCellLoc) {
	if m.locs == nil {
		m.locs = map[string]xCellLoc{}
	}
	m.locs[path] = l
}

// LocatePath returns the sheet, row and column a bundle path was read
// from. A path that has no cell of its own (a list element,
// "…cases[0].process") is located at its nearest enclosing path that has
// one: the list's cell, or the row of the case.
func (m *XLSXMap) LocatePath(path string) (sheet string, row int, column string, ok bool) {
	l, ok := m.locate(path)
	return l.sheet, l.row, l.col, ok
}

// Locate is LocateProblems(m, fields).
func (m *XLSXMap) Locate(fields map[string]errs.Msg) []CellProblem { return LocateProblems(m, fields) }

func (m *XLSXMap) locate(path string) (xCellLoc, bool) {
	if m == nil {
		return xCellLoc{}, false
	}
	for path != "" {
		if l, ok := m.locs[path]; ok {
			return l, true
		}
		if strings.HasSuffix(path, "]") {
			path = path[:max(strings.LastIndexByte(path, '['), 0)]
		} else {
			path = path[:max(strings.LastIndexByte(path, '.'), 0)]
		}
	}
	return xCellLoc{}, false
}

// LocateProblems turns the path-keyed problems of an Invalid error from
// Service.Import (errs.Error.Fields, keyed "procedures[1].cases[0].fees[0]
// .amount_vnd") into problems at the cells of the workbook the bundle was
// read from, ordered by sheet, row and column. A path the map does not know
// keeps Sheet empty and only its Path.
func LocateProblems(m *XLSXMap, fields map[string]errs.Msg) []CellProblem {
	out := make([]CellProblem, 0, len(fields))
	for _, path := range slices.Sorted(maps.Keys(fields)) {
		msg := fields[path]
		l, _ := m.locate(path)
		out = append(out, CellProblem{Sheet: l.sheet, Row: l.row, Column: l.col, Path: path, Key: msg.Key, Args: msg.Args})
	}
	xSortProblems(out)
	return out
}

func xSortProblems(ps []CellProblem) {
	colN := func(c string) int {
		letters, _, _ := strings.Cut(c, " ")
		n, err := excelize.ColumnNameToNumber(letters)
		if err != nil {
			return 0
		}
		return n
	}
	slices.SortStableFunc(ps, func(a, b CellProblem) int {
		if c := slices.Index(xSheetOrder, a.Sheet) - slices.Index(xSheetOrder, b.Sheet); c != 0 {
			return c
		}
		if c := a.Row - b.Row; c != 0 {
			return c
		}
		return colN(a.Column) - colN(b.Column)
	})
}

// --- Sheet layout ---

type xkind uint8

const (
	xkText  xkind = iota // free text, kept exactly
	xkCode               // a code or enumerated value, trimmed
	xkDate               // YYYY-MM-DD, as text; a date cell is converted
	xkList               // codes separated by commas
	xkLines              // texts, one per line of the cell
	xkInt                // a whole number
	xkMoney              // a whole number of đồng, shown with thousands separators
	xkBool               // có / không
)

// xcol is one column of a sheet of rows of type T.
type xcol[T any] struct {
	key     string       // machine key, row 2
	vi      string       // Vietnamese header, row 1
	kind    xkind        //
	need    bool         // the column must be present
	width   float64      //
	path    string       // property path within the row's object ("time.value"); "" for a reference
	ptr     func(*T) any // the field: *string, *[]string, *int, *int64 or *bool
	choices []string     // offered in a drop-down list
}

type xsheet[T any] struct {
	name string
	cols []xcol[T]
}

type xResultRow struct {
	Proc string
	R    Result
}

type xLegalRow struct {
	Proc string
	L    Legal
}

type xCaseRow struct {
	Proc string
	C    Case
}

type xFeeRow struct {
	Proc, Case string
	F          Fee
}

type xComponentRow struct {
	Proc, Case string
	C          Component
}

type xFormRow struct {
	Proc, Case string
	F          FormField
}

type xStepRow struct {
	Proc, Case string
	S          Step
}

var (
	xDurationUnits = []string{WorkingDays, WorkingHours, WithinDay}
	xStepUnits     = []string{WorkingDays, WorkingHours}
	xFeeKinds      = []string{"fee", "charge"}
	xRoleNames     = func() []string {
		var rs []string
		for _, r := range authz.Roles {
			rs = append(rs, string(r))
		}
		return rs
	}()
)

func xProcCol[T any](p func(*T) *string) xcol[T] {
	return xcol[T]{key: "procedure_code", vi: "Mã thủ tục", kind: xkCode, need: true, width: 14, ptr: func(t *T) any { return p(t) }}
}

func xCaseCol[T any](p func(*T) *string) xcol[T] {
	return xcol[T]{key: "case_code", vi: "Mã trường hợp", kind: xkCode, need: true, width: 12, ptr: func(t *T) any { return p(t) }}
}

var xFieldSheet = xsheet[Field]{SheetFields, []xcol[Field]{
	{key: "code", vi: "Mã lĩnh vực", kind: xkCode, need: true, width: 14, path: "code", ptr: func(f *Field) any { return &f.Code }},
	{key: "name_vi", vi: "Tên lĩnh vực", kind: xkText, need: true, width: 40, path: "name_vi", ptr: func(f *Field) any { return &f.NameVI }},
	{key: "name_en", vi: "Tên tiếng Anh", kind: xkText, width: 40, path: "name_en", ptr: func(f *Field) any { return &f.NameEN }},
}}

var xProcSheet = xsheet[Document]{SheetProcedures, []xcol[Document]{
	{key: "code", vi: "Mã thủ tục", kind: xkCode, need: true, width: 14, path: "code", ptr: func(d *Document) any { return &d.Code }},
	{key: "name_vi", vi: "Tên thủ tục", kind: xkText, need: true, width: 45, path: "name_vi", ptr: func(d *Document) any { return &d.NameVI }},
	{key: "name_en", vi: "Tên tiếng Anh", kind: xkText, width: 35, path: "name_en", ptr: func(d *Document) any { return &d.NameEN }},
	{key: "field", vi: "Mã lĩnh vực", kind: xkCode, need: true, width: 12, path: "field", ptr: func(d *Document) any { return &d.Field }},
	{key: "levels", vi: "Cấp thực hiện", kind: xkList, need: true, width: 16, path: "levels", ptr: func(d *Document) any { return &d.Levels }},
	{key: "agency_text", vi: "Cơ quan thực hiện", kind: xkText, width: 30, path: "agency_text", ptr: func(d *Document) any { return &d.AgencyText }},
	{key: "agencies", vi: "Mã cơ quan thực hiện", kind: xkList, need: true, width: 20, path: "agencies", ptr: func(d *Document) any { return &d.Agencies }},
	{key: "receivers", vi: "Mã cơ quan tiếp nhận", kind: xkList, width: 20, path: "receivers", ptr: func(d *Document) any { return &d.Receivers }},
	{key: "applicants", vi: "Đối tượng thực hiện", kind: xkList, need: true, width: 18, path: "applicants", ptr: func(d *Document) any { return &d.Applicants }},
	{key: "online_level", vi: "Mức độ trực tuyến", kind: xkCode, need: true, width: 14, path: "online_level", ptr: func(d *Document) any { return &d.OnlineLevel }, choices: OnlineLevels},
	{key: "steps", vi: "Trình tự thực hiện", kind: xkText, need: true, width: 60, path: "steps", ptr: func(d *Document) any { return &d.Steps }},
	{key: "conditions", vi: "Yêu cầu, điều kiện", kind: xkText, width: 40, path: "conditions", ptr: func(d *Document) any { return &d.Conditions }},
	{key: "description", vi: "Mô tả", kind: xkText, width: 40, path: "description", ptr: func(d *Document) any { return &d.Description }},
	{key: "publication", vi: "Quyết định công bố", kind: xkText, width: 30, path: "publication", ptr: func(d *Document) any { return &d.Publication }},
}}

var xResultSheet = xsheet[xResultRow]{SheetResults, []xcol[xResultRow]{
	xProcCol(func(r *xResultRow) *string { return &r.Proc }),
	{key: "name_vi", vi: "Tên kết quả", kind: xkText, need: true, width: 40, path: "name_vi", ptr: func(r *xResultRow) any { return &r.R.NameVI }},
	{key: "name_en", vi: "Tên tiếng Anh", kind: xkText, width: 30, path: "name_en", ptr: func(r *xResultRow) any { return &r.R.NameEN }},
	{key: "kind", vi: "Loại", kind: xkCode, width: 14, path: "kind", ptr: func(r *xResultRow) any { return &r.R.Kind }},
	{key: "validity", vi: "Thời hạn hiệu lực", kind: xkText, width: 20, path: "validity", ptr: func(r *xResultRow) any { return &r.R.Validity }},
}}

var xLegalSheet = xsheet[xLegalRow]{SheetLegal, []xcol[xLegalRow]{
	xProcCol(func(r *xLegalRow) *string { return &r.Proc }),
	{key: "number", vi: "Số, ký hiệu", kind: xkCode, need: true, width: 20, path: "number", ptr: func(r *xLegalRow) any { return &r.L.Number }},
	{key: "title", vi: "Trích yếu", kind: xkText, need: true, width: 50, path: "title", ptr: func(r *xLegalRow) any { return &r.L.Title }},
	{key: "date", vi: "Ngày ban hành", kind: xkDate, width: 14, path: "date", ptr: func(r *xLegalRow) any { return &r.L.Date }},
}}

var xCaseSheet = xsheet[xCaseRow]{SheetCases, []xcol[xCaseRow]{
	xProcCol(func(r *xCaseRow) *string { return &r.Proc }),
	{key: "code", vi: "Mã trường hợp", kind: xkCode, need: true, width: 12, path: "code", ptr: func(r *xCaseRow) any { return &r.C.Code }},
	{key: "name_vi", vi: "Tên trường hợp", kind: xkText, need: true, width: 40, path: "name_vi", ptr: func(r *xCaseRow) any { return &r.C.NameVI }},
	{key: "name_en", vi: "Tên tiếng Anh", kind: xkText, width: 30, path: "name_en", ptr: func(r *xCaseRow) any { return &r.C.NameEN }},
	{key: "time_value", vi: "Thời hạn giải quyết", kind: xkInt, need: true, width: 12, path: "time.value", ptr: func(r *xCaseRow) any { return &r.C.Time.Value }},
	{key: "time_unit", vi: "Đơn vị thời hạn", kind: xkCode, need: true, width: 15, path: "time.unit", ptr: func(r *xCaseRow) any { return &r.C.Time.Unit }, choices: xDurationUnits},
	{key: "time_note", vi: "Ghi chú thời hạn", kind: xkText, width: 35, path: "time_note", ptr: func(r *xCaseRow) any { return &r.C.TimeNote }},
	{key: "channels", vi: "Cách thức nộp", kind: xkList, need: true, width: 22, path: "channels", ptr: func(r *xCaseRow) any { return &r.C.Channels }},
}}

var xFeeSheet = xsheet[xFeeRow]{SheetFees, []xcol[xFeeRow]{
	xProcCol(func(r *xFeeRow) *string { return &r.Proc }),
	xCaseCol(func(r *xFeeRow) *string { return &r.Case }),
	{key: "kind", vi: "Loại (phí/lệ phí)", kind: xkCode, need: true, width: 10, path: "kind", ptr: func(r *xFeeRow) any { return &r.F.Kind }, choices: xFeeKinds},
	{key: "name_vi", vi: "Tên phí, lệ phí", kind: xkText, need: true, width: 35, path: "name_vi", ptr: func(r *xFeeRow) any { return &r.F.NameVI }},
	{key: "name_en", vi: "Tên tiếng Anh", kind: xkText, width: 25, path: "name_en", ptr: func(r *xFeeRow) any { return &r.F.NameEN }},
	{key: "amount_vnd", vi: "Số tiền", kind: xkMoney, need: true, width: 14, path: "amount_vnd", ptr: func(r *xFeeRow) any { return &r.F.AmountVND }},
	{key: "rule", vi: "Cách tính", kind: xkText, width: 20, path: "rule", ptr: func(r *xFeeRow) any { return &r.F.Rule }},
	{key: "exemption", vi: "Miễn, giảm", kind: xkText, width: 35, path: "exemption", ptr: func(r *xFeeRow) any { return &r.F.Exemption }},
	{key: "payable_online", vi: "Nộp trực tuyến", kind: xkBool, width: 10, path: "payable_online", ptr: func(r *xFeeRow) any { return &r.F.PayableOnline }},
}}

var xComponentSheet = xsheet[xComponentRow]{SheetComponents, []xcol[xComponentRow]{
	xProcCol(func(r *xComponentRow) *string { return &r.Proc }),
	xCaseCol(func(r *xComponentRow) *string { return &r.Case }),
	{key: "code", vi: "Mã giấy tờ", kind: xkCode, need: true, width: 10, path: "code", ptr: func(r *xComponentRow) any { return &r.C.Code }},
	{key: "name_vi", vi: "Tên giấy tờ", kind: xkText, need: true, width: 45, path: "name_vi", ptr: func(r *xComponentRow) any { return &r.C.NameVI }},
	{key: "name_en", vi: "Tên tiếng Anh", kind: xkText, width: 30, path: "name_en", ptr: func(r *xComponentRow) any { return &r.C.NameEN }},
	{key: "required", vi: "Bắt buộc", kind: xkBool, width: 9, path: "required", ptr: func(r *xComponentRow) any { return &r.C.Required }},
	{key: "originals", vi: "Số bản chính", kind: xkInt, width: 9, path: "originals", ptr: func(r *xComponentRow) any { return &r.C.Originals }},
	{key: "copies", vi: "Số bản sao", kind: xkInt, width: 9, path: "copies", ptr: func(r *xComponentRow) any { return &r.C.Copies }},
	{key: "template", vi: "Mẫu đơn, tờ khai", kind: xkCode, width: 10, path: "template", ptr: func(r *xComponentRow) any { return &r.C.Template }, choices: []string{"form"}},
	{key: "source", vi: "Nguồn dữ liệu", kind: xkCode, width: 13, path: "source", ptr: func(r *xComponentRow) any { return &r.C.Source }, choices: Sources[1:]},
}}

var xFormSheet = xsheet[xFormRow]{SheetForm, []xcol[xFormRow]{
	xProcCol(func(r *xFormRow) *string { return &r.Proc }),
	xCaseCol(func(r *xFormRow) *string { return &r.Case }),
	{key: "name", vi: "Tên trường (máy)", kind: xkCode, need: true, width: 16, path: "name", ptr: func(r *xFormRow) any { return &r.F.Name }},
	{key: "label_vi", vi: "Nhãn", kind: xkText, need: true, width: 30, path: "label_vi", ptr: func(r *xFormRow) any { return &r.F.LabelVI }},
	{key: "label_en", vi: "Nhãn tiếng Anh", kind: xkText, width: 25, path: "label_en", ptr: func(r *xFormRow) any { return &r.F.LabelEN }},
	{key: "type", vi: "Kiểu", kind: xkCode, need: true, width: 12, path: "type", ptr: func(r *xFormRow) any { return &r.F.Type }, choices: FieldTypes},
	{key: "required", vi: "Bắt buộc", kind: xkBool, width: 9, path: "required", ptr: func(r *xFormRow) any { return &r.F.Required }},
	{key: "pattern", vi: "Mẫu kiểm tra (regex)", kind: xkText, width: 18, path: "pattern", ptr: func(r *xFormRow) any { return &r.F.Pattern }},
	{key: "options", vi: "Các lựa chọn (mỗi dòng một lựa chọn)", kind: xkLines, width: 22, path: "options", ptr: func(r *xFormRow) any { return &r.F.Options }},
	{key: "prefill", vi: "Điền sẵn từ", kind: xkCode, width: 22, path: "prefill", ptr: func(r *xFormRow) any { return &r.F.Prefill }, choices: PrefillSources[1:]},
	{key: "help_vi", vi: "Hướng dẫn", kind: xkText, width: 30, path: "help_vi", ptr: func(r *xFormRow) any { return &r.F.HelpVI }},
	{key: "help_en", vi: "Hướng dẫn tiếng Anh", kind: xkText, width: 25, path: "help_en", ptr: func(r *xFormRow) any { return &r.F.HelpEN }},
}}

var xStepSheet = xsheet[xStepRow]{SheetProcess, []xcol[xStepRow]{
	xProcCol(func(r *xStepRow) *string { return &r.Proc }),
	xCaseCol(func(r *xStepRow) *string { return &r.Case }),
	{key: "name_vi", vi: "Tên bước", kind: xkText, need: true, width: 35, path: "name_vi", ptr: func(r *xStepRow) any { return &r.S.NameVI }},
	{key: "name_en", vi: "Tên tiếng Anh", kind: xkText, width: 25, path: "name_en", ptr: func(r *xStepRow) any { return &r.S.NameEN }},
	{key: "role", vi: "Vai trò thực hiện", kind: xkCode, need: true, width: 18, path: "role", ptr: func(r *xStepRow) any { return &r.S.Role }, choices: xRoleNames},
	{key: "unit", vi: "Mã đơn vị thực hiện", kind: xkCode, width: 16, path: "unit", ptr: func(r *xStepRow) any { return &r.S.Unit }},
	{key: "duration_value", vi: "Thời gian", kind: xkInt, need: true, width: 10, path: "duration.value", ptr: func(r *xStepRow) any { return &r.S.Duration.Value }},
	{key: "duration_unit", vi: "Đơn vị thời gian", kind: xkCode, need: true, width: 15, path: "duration.unit", ptr: func(r *xStepRow) any { return &r.S.Duration.Unit }, choices: xStepUnits},
}}

// --- Writing ---

type xstyles struct {
	header, key, text, code, num, money, boolean, guideTitle, guideKey int
}

func newXStyles(f *excelize.File) (xstyles, error) {
	var s xstyles
	var err error
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	textFmt := "@"
	for _, x := range []struct {
		id *int
		st excelize.Style
	}{
		{&s.header, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}, CustomNumFmt: &textFmt}},
		{&s.key, excelize.Style{Font: &excelize.Font{Italic: true, Size: 9, Color: "#7F7F7F"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#F2F2F2"}},
			Border: []excelize.Border{{Type: "bottom", Color: "#7F7F7F", Style: 1}}, CustomNumFmt: &textFmt}},
		{&s.text, excelize.Style{Alignment: top, CustomNumFmt: &textFmt}},
		{&s.code, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}, CustomNumFmt: &textFmt}},
		{&s.num, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}, NumFmt: 1}},
		{&s.money, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}, NumFmt: 3}},
		{&s.boolean, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}, CustomNumFmt: &textFmt}},
		{&s.guideTitle, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&s.guideKey, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: top}},
	} {
		if *x.id, err = f.NewStyle(&x.st); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (s xstyles) of(k xkind) int {
	switch k {
	case xkText, xkLines:
		return s.text
	case xkInt:
		return s.num
	case xkMoney:
		return s.money
	case xkBool:
		return s.boolean
	}
	return s.code
}

// xCellValue is what a column's field is written as.
func xCellValue(k xkind, p any) any {
	switch v := p.(type) {
	case *string:
		if *v == "" {
			return nil
		}
		return xEscape(*v)
	case *[]string:
		if len(*v) == 0 {
			return nil
		}
		if k == xkLines {
			return xEscape(strings.Join(*v, "\n"))
		}
		return xEscape(strings.Join(*v, ", "))
	case *int:
		return int64(*v)
	case *int64:
		return *v
	case *bool:
		if *v {
			return xlsxYes
		}
		return xlsxNo
	}
	panic(fmt.Sprintf("catalog: xlsx column of type %T", p))
}

var xEscapedRE = regexp.MustCompile(`_x[0-9A-Fa-f]{4}_`)

// xEscape writes s the way spreadsheets store text: a character XML cannot
// hold as _xHHHH_, and a literal _xHHHH_ with its underscore escaped, so
// that reading gives s back.
func xEscape(s string) string {
	s = xEscapedRE.ReplaceAllString(s, "_x005F$0")
	if !strings.ContainsFunc(s, xUnwritable) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if xUnwritable(r) {
			fmt.Fprintf(&b, "_x%04X_", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func xUnwritable(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
}

// xMaxCell is the most UTF-16 code units a cell holds.
const xMaxCell = 32767

func xWriteSheet[T any](f *excelize.File, st xstyles, def *xsheet[T], rows []T) error {
	name := def.name
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(def.cols))
	vi := make([]any, len(def.cols))
	keys := make([]any, len(def.cols))
	for i, c := range def.cols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, col, col, c.width); err != nil {
			return err
		}
		if err := f.SetColStyle(name, col, st.of(c.kind)); err != nil {
			return err
		}
		vi[i], keys[i] = c.vi, c.key
		if c.kind == xkBool || len(c.choices) > 0 {
			choices := c.choices
			if c.kind == xkBool {
				choices = []string{xlsxYes, xlsxNo}
			}
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(fmt.Sprintf("%s%d:%s1048576", col, xFirstDataRow, col))
			if err := dv.SetDropList(choices); err != nil {
				return err
			}
			// A warning only: the import, not the drop-down, has the last word.
			dv.SetError(excelize.DataValidationErrorStyleWarning, c.vi, strings.Join(choices, ", "))
			if err := f.AddDataValidation(name, dv); err != nil {
				return err
			}
		}
	}
	if err := f.SetSheetRow(name, "A1", &vi); err != nil {
		return err
	}
	if err := f.SetSheetRow(name, "A2", &keys); err != nil {
		return err
	}
	if err := f.SetCellStyle(name, "A1", last+"1", st.header); err != nil {
		return err
	}
	if err := f.SetCellStyle(name, "A2", last+"2", st.key); err != nil {
		return err
	}
	if err := f.SetRowHeight(name, 1, 32); err != nil {
		return err
	}
	vals := make([]any, len(def.cols))
	for i := range rows {
		for j, c := range def.cols {
			vals[j] = xCellValue(c.kind, c.ptr(&rows[i]))
			if s, ok := vals[j].(string); ok && len(s) > xMaxCell && len(utf16.Encode([]rune(s))) > xMaxCell {
				return fmt.Errorf("%s row %d column %s: %d characters do not fit in a cell", name, xFirstDataRow+i, c.key, len(utf16.Encode([]rune(s))))
			}
		}
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", xFirstDataRow+i), &vals); err != nil {
			return err
		}
	}
	return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: xFirstDataRow - 1, TopLeftCell: fmt.Sprintf("A%d", xFirstDataRow),
		ActivePane: "bottomLeft", Selection: []excelize.Selection{{SQRef: "A3", ActiveCell: "A3", Pane: "bottomLeft"}}})
}

func xWriteGuide(f *excelize.File, st xstyles) error {
	name := SheetGuide
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return err
	}
	rows := [][]any{
		{"Định dạng", Format},
		{},
		{"Danh mục thủ tục hành chính — Motcua"},
		{"Cách ghi", "Mỗi trang là một loại thông tin. Dòng 1 là tên cột, dòng 2 là mã cột (không sửa, không xóa); dữ liệu bắt đầu từ dòng 3. Có thể đổi thứ tự cột, thêm cột ghi chú (mã cột lạ được bỏ qua) và thêm trang khác."},
		{"", "Kết quả, căn cứ pháp lý và trường hợp gắn với thủ tục qua cột Mã thủ tục; phí lệ phí, thành phần hồ sơ, biểu mẫu điện tử và quy trình gắn với trường hợp qua Mã thủ tục và Mã trường hợp. Thứ tự các dòng là thứ tự hiển thị."},
		{"", "Nhiều giá trị trong một ô: cách nhau bằng dấu phẩy, ví dụ “commune, province”. Các lựa chọn của trường biểu mẫu: mỗi lựa chọn một dòng trong ô (Alt+Enter)."},
		{"", "Có/không: ghi “có” hoặc “không” (ô trống là không). Số tiền, số bản, thời hạn: số nguyên. Ngày: năm-tháng-ngày, ví dụ 2014-11-20."},
		{"", "Khi nhập, mọi lỗi được liệt kê theo trang, dòng và cột; không có gì được nhập cho đến khi hết lỗi."},
		{},
		{"Giá trị cho phép"},
		{"Cấp thực hiện (levels)", strings.Join(Levels, ", ")},
		{"Đối tượng thực hiện (applicants)", strings.Join(ApplicantTypes, ", ")},
		{"Mức độ trực tuyến (online_level)", "full (toàn trình), partial (một phần), none (không trực tuyến)"},
		{"Cách thức nộp (channels)", "counter (trực tiếp), post (bưu chính), online (trực tuyến)"},
		{"Đơn vị thời hạn (time_unit)", "working_days (ngày làm việc), working_hours (giờ làm việc), within_day (trong ngày, Thời hạn ghi 0)"},
		{"Loại phí (kind)", "fee (phí), charge (lệ phí)"},
		{"Mẫu đơn, tờ khai (template)", "form (biểu mẫu điện tử của trường hợp, in trống) hoặc để trống"},
		{"Nguồn dữ liệu (source)", "national_db (cơ sở dữ liệu quốc gia), data_store (kho dữ liệu của người nộp) hoặc để trống (người nộp cung cấp)"},
		{"Kiểu trường (type)", strings.Join(FieldTypes, ", ")},
		{"Điền sẵn từ (prefill)", strings.Join(PrefillSources[1:], ", ")},
		{"Vai trò (role)", strings.Join(xRoleNames, ", ")},
		{"Đơn vị thời gian (duration_unit)", "working_days, working_hours (một ngày làm việc = 8 giờ)"},
	}
	for i, r := range rows {
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", i+1), &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(name, "A", "A", 34); err != nil {
		return err
	}
	if err := f.SetColWidth(name, "B", "B", 110); err != nil {
		return err
	}
	if err := f.SetColStyle(name, "A", st.guideKey); err != nil {
		return err
	}
	if err := f.SetColStyle(name, "B", st.text); err != nil {
		return err
	}
	return f.SetCellStyle(name, "A3", "A3", st.guideTitle)
}

// WriteXLSX writes b as a workbook (docs/catalog-xlsx.md). ReadXLSX of
// the result gives b back.
func WriteXLSX(w io.Writer, b Bundle) error {
	const op = "catalog.WriteXLSX"
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXStyles(f)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if err := xWriteBundle(f, st, b); err != nil {
		return errs.Wrap(op, err)
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: "Danh mục thủ tục hành chính", Creator: "Motcua", Identifier: Format, Language: "vi-VN"}); err != nil {
		return errs.Wrap(op, err)
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return errs.Wrap(op, err)
}

func xWriteBundle(f *excelize.File, st xstyles, b Bundle) error {
	var (
		results    []xResultRow
		legal      []xLegalRow
		cases      []xCaseRow
		fees       []xFeeRow
		components []xComponentRow
		form       []xFormRow
		steps      []xStepRow
	)
	for _, d := range b.Procedures {
		for _, r := range d.Results {
			results = append(results, xResultRow{d.Code, r})
		}
		for _, l := range d.LegalBasis {
			legal = append(legal, xLegalRow{d.Code, l})
		}
		for _, c := range d.Cases {
			cases = append(cases, xCaseRow{d.Code, c})
			for _, x := range c.Fees {
				fees = append(fees, xFeeRow{d.Code, c.Code, x})
			}
			for _, x := range c.Components {
				components = append(components, xComponentRow{d.Code, c.Code, x})
			}
			for _, x := range c.Form {
				form = append(form, xFormRow{d.Code, c.Code, x})
			}
			for _, x := range c.Process {
				steps = append(steps, xStepRow{d.Code, c.Code, x})
			}
		}
	}
	return errors.Join(
		xWriteGuide(f, st),
		xWriteSheet(f, st, &xFieldSheet, slices.Clone(b.Fields)),
		xWriteSheet(f, st, &xProcSheet, slices.Clone(b.Procedures)),
		xWriteSheet(f, st, &xResultSheet, results),
		xWriteSheet(f, st, &xLegalSheet, legal),
		xWriteSheet(f, st, &xCaseSheet, cases),
		xWriteSheet(f, st, &xFeeSheet, fees),
		xWriteSheet(f, st, &xComponentSheet, components),
		xWriteSheet(f, st, &xFormSheet, form),
		xWriteSheet(f, st, &xStepSheet, steps),
	)
}

// TemplateXLSX writes the workbook to start a catalogue from: every sheet
// with its headers and the rows of one real procedure, đăng ký khai sinh
// (ExampleBundle).
func TemplateXLSX(w io.Writer) error { return WriteXLSX(w, ExampleBundle()) }

// ExampleBundle is one real procedure, đăng ký khai sinh (1.001193) at a
// commune, as an example of every part of a bundle. The agency codes are
// examples; fees are as set by Thông tư 281/2016/TT-BTC and Luật Hộ tịch.
func ExampleBundle() Bundle {
	return Bundle{
		Format: Format,
		Fields: []Field{{Code: "HT", NameVI: "Hộ tịch", NameEN: "Civil status"}},
		Procedures: []Document{{
			Code:        "1.001193",
			NameVI:      "Đăng ký khai sinh",
			NameEN:      "Birth registration",
			Field:       "HT",
			Levels:      []string{"commune"},
			AgencyText:  "Ủy ban nhân dân cấp xã",
			Agencies:    []string{"H26.50"},
			Applicants:  []string{ApplicantCitizen},
			OnlineLevel: OnlineFull,
			Steps: "Người có trách nhiệm đi đăng ký khai sinh nộp hồ sơ tại Ủy ban nhân dân cấp xã nơi cư trú của người cha hoặc người mẹ, hoặc nộp trực tuyến trên Cổng Dịch vụ công.\n\n" +
				"Công chức tư pháp – hộ tịch kiểm tra hồ sơ; nếu hồ sơ đầy đủ, hợp lệ thì ghi vào Sổ hộ tịch, cập nhật vào Cơ sở dữ liệu hộ tịch điện tử và trình Chủ tịch Ủy ban nhân dân cấp xã cấp Giấy khai sinh.\n\n" +
				"Người đi đăng ký khai sinh kiểm tra nội dung Giấy khai sinh và Sổ hộ tịch, cùng ký vào Sổ hộ tịch.",
			Conditions:  "Trong thời hạn 60 ngày kể từ ngày sinh con, cha hoặc mẹ có trách nhiệm đăng ký khai sinh cho con.",
			Description: "Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam, lần đầu, tại Ủy ban nhân dân cấp xã nơi cư trú của cha hoặc mẹ.",
			Results: []Result{
				{NameVI: "Giấy khai sinh (bản chính)", NameEN: "Birth certificate (original)", Kind: "certificate", Validity: "Không thời hạn"},
				{NameVI: "Bản sao Giấy khai sinh (nếu có yêu cầu)", NameEN: "Certified copy of the birth certificate (on request)", Kind: "extract"},
			},
			LegalBasis: []Legal{
				{Number: "60/2014/QH13", Title: "Luật Hộ tịch", Date: "2014-11-20"},
				{Number: "123/2015/NĐ-CP", Title: "Nghị định quy định chi tiết một số điều và biện pháp thi hành Luật Hộ tịch", Date: "2015-11-15"},
				{Number: "04/2020/TT-BTP", Title: "Thông tư quy định chi tiết thi hành một số điều của Luật Hộ tịch và Nghị định số 123/2015/NĐ-CP", Date: "2020-05-28"},
				{Number: "281/2016/TT-BTC", Title: "Thông tư quy định mức thu, chế độ thu, nộp, quản lý và sử dụng phí khai thác, sử dụng thông tin trong cơ sở dữ liệu hộ tịch", Date: "2016-11-14"},
			},
			Cases: []Case{{
				Code:     "TH1",
				NameVI:   "Đăng ký khai sinh đúng hạn cho trẻ em sinh ra tại Việt Nam",
				NameEN:   "Timely birth registration of a child born in Viet Nam",
				Time:     Duration{Value: 0, Unit: WithinDay},
				TimeNote: "Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ mà không giải quyết được ngay thì trả kết quả trong ngày làm việc tiếp theo.",
				Channels: []string{"counter", "post", "online"},
				Fees: []Fee{
					{Kind: "charge", NameVI: "Lệ phí đăng ký khai sinh", NameEN: "Registration charge", AmountVND: 0,
						Exemption: "Miễn lệ phí đăng ký khai sinh đúng hạn (Điều 11 Luật Hộ tịch)", PayableOnline: true},
					{Kind: "fee", NameVI: "Phí cấp bản sao trích lục hộ tịch", NameEN: "Fee for a certified extract", AmountVND: 8000,
						Rule: "mỗi bản sao", PayableOnline: true},
				},
				Components: []Component{
					{Code: "TP1", NameVI: "Tờ khai đăng ký khai sinh theo mẫu", NameEN: "Birth registration form", Required: true, Originals: 1, Template: "form"},
					{Code: "TP2", NameVI: "Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận về việc sinh", NameEN: "Certificate of birth from the hospital", Required: true, Originals: 1},
					{Code: "TP3", NameVI: "Giấy tờ tùy thân của người đi đăng ký", NameEN: "Identity document of the declarant", Required: true, Source: "national_db"},
				},
				Form: []FormField{
					{Name: "child_full_name", LabelVI: "Họ, chữ đệm và tên của trẻ", LabelEN: "Child's full name", Type: "text", Required: true},
					{Name: "child_birth_date", LabelVI: "Ngày, tháng, năm sinh", LabelEN: "Date of birth", Type: "date", Required: true},
					{Name: "child_gender", LabelVI: "Giới tính", LabelEN: "Sex", Type: "select", Required: true, Options: []string{"Nam", "Nữ"}},
					{Name: "declarant_national_id", LabelVI: "Số định danh cá nhân của người đi đăng ký", LabelEN: "Declarant's personal identification number",
						Type: "national_id", Required: true, Pattern: "[0-9]{12}", Prefill: "applicant.national_id", HelpVI: "12 chữ số, in trên thẻ căn cước."},
				},
				Process: []Step{
					{NameVI: "Tiếp nhận, kiểm tra hồ sơ", NameEN: "Receive and check the dossier", Role: string(authz.ReceptionOfficer), Duration: Duration{Value: 1, Unit: WorkingHours}},
					{NameVI: "Thẩm định, ghi Sổ hộ tịch", NameEN: "Examine and record", Role: string(authz.Specialist), Duration: Duration{Value: 4, Unit: WorkingHours}},
					{NameVI: "Ký Giấy khai sinh", NameEN: "Sign the certificate", Role: string(authz.Leader), Duration: Duration{Value: 2, Unit: WorkingHours}},
					{NameVI: "Trả kết quả", NameEN: "Return the result", Role: string(authz.ReceptionOfficer), Duration: Duration{Value: 1, Unit: WorkingHours}},
				},
			}},
		}},
	}
}

// --- Reading ---

type xreader struct {
	f        *excelize.File
	problems []CellProblem
	m        *XLSXMap
}

// xheader is where a sheet's columns are.
type xheader struct {
	sheet string
	col   map[string]int    // key → 0-based column
	label map[string]string // key → "F (Số tiền)"
}

type xrow[T any] struct {
	n int // row number
	v T
}

func (r *xreader) add(p CellProblem) { r.problems = append(r.problems, p) }

func (h *xheader) at(row int, key, code string, args ...any) CellProblem {
	return CellProblem{Sheet: h.sheet, Row: row, Column: h.label[key], Key: code, Args: args}
}

// xSameName compares sheet names as Excel does, and regardless of the
// Unicode normalisation the spreadsheet program used for Vietnamese.
func xSameName(a, b string) bool {
	return strings.EqualFold(norm.NFC.String(strings.TrimSpace(a)), norm.NFC.String(strings.TrimSpace(b)))
}

// sheetName returns the workbook's own spelling of a sheet's name.
func (r *xreader) sheetName(want string) (string, bool) {
	for _, s := range r.f.GetSheetList() {
		if xSameName(s, want) {
			return s, true
		}
	}
	return "", false
}

// xReadSheet reads the rows of def's sheet. It reports a missing sheet or
// column and returns nothing then; cells it cannot read are reported and
// left zero.
func xReadSheet[T any](r *xreader, def *xsheet[T]) (xheader, []xrow[T]) {
	h := xheader{sheet: def.name, col: map[string]int{}, label: map[string]string{}}
	name, ok := r.sheetName(def.name)
	if !ok {
		r.add(CellProblem{Sheet: def.name, Key: "catalog.xlsx.sheet_missing", Args: []any{def.name}})
		return h, nil
	}
	rows, err := r.f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		r.add(CellProblem{Sheet: def.name, Key: "catalog.xlsx.malformed"})
		return h, nil
	}
	var vi, keys []string
	if len(rows) > 0 {
		vi = rows[0]
	}
	if len(rows) > 1 {
		keys = rows[1]
	}
	for i, k := range keys {
		k = strings.ToLower(strings.TrimSpace(k))
		if !slices.ContainsFunc(def.cols, func(c xcol[T]) bool { return c.key == k }) {
			continue
		}
		letter, _ := excelize.ColumnNumberToName(i + 1)
		if j, dup := h.col[k]; dup {
			first, _ := excelize.ColumnNumberToName(j + 1)
			r.add(CellProblem{Sheet: def.name, Row: 2, Column: letter + " (" + k + ")", Key: "catalog.xlsx.column_duplicate", Args: []any{k, first, letter}})
			continue
		}
		h.col[k] = i
	}
	missing := false
	for _, c := range def.cols {
		i, ok := h.col[c.key]
		if !ok {
			if c.need {
				r.add(CellProblem{Sheet: def.name, Row: 2, Column: c.vi, Key: "catalog.xlsx.column_missing", Args: []any{c.vi, c.key}})
				missing = true
			}
			continue
		}
		header := c.vi
		if i < len(vi) && strings.TrimSpace(vi[i]) != "" {
			header = strings.TrimSpace(vi[i])
		}
		letter, _ := excelize.ColumnNumberToName(i + 1)
		h.label[c.key] = letter + " (" + header + ")"
	}
	if missing {
		return h, nil
	}
	var out []xrow[T]
	for ri := xFirstDataRow - 1; ri < len(rows); ri++ {
		cells := rows[ri]
		get := func(key string) string {
			if i, ok := h.col[key]; ok && i < len(cells) {
				return cells[i]
			}
			return ""
		}
		blank := true
		for _, c := range def.cols {
			if strings.TrimSpace(get(c.key)) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		row := ri + 1
		var v T
		for _, c := range def.cols {
			if _, ok := h.col[c.key]; !ok {
				// An optional column left out: its zero value, but lists
				// and the like as a JSON import would have them.
				xSetCell(c.kind, c.ptr(&v), "")
				continue
			}
			raw := get(c.key)
			if c.kind == xkDate {
				raw = r.dateCell(name, h.col[c.key]+1, row, raw)
			}
			if code, ok := xSetCell(c.kind, c.ptr(&v), raw); !ok {
				r.add(h.at(row, c.key, code, strings.TrimSpace(raw)))
			}
		}
		out = append(out, xrow[T]{row, v})
	}
	return h, out
}

// dateCell turns a date cell, which holds the day's serial number, into
// YYYY-MM-DD; text, even text of digits, stays as it is.
func (r *xreader) dateCell(sheet string, col, row int, raw string) string {
	s := strings.TrimSpace(raw)
	if !xSerialRE.MatchString(s) {
		return raw
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return raw
	}
	switch t, err := r.f.GetCellType(sheet, cell); {
	case err != nil:
		return raw
	case t != excelize.CellTypeUnset && t != excelize.CellTypeNumber && t != excelize.CellTypeDate:
		return raw
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return raw
	}
	d, err := excelize.ExcelDateToTime(n, r.date1904())
	if err != nil {
		return raw
	}
	return d.Format("2006-01-02")
}

func (r *xreader) date1904() bool {
	p, err := r.f.GetWorkbookProps()
	return err == nil && p.Date1904 != nil && *p.Date1904
}

var (
	xSerialRE = regexp.MustCompile(`^[0-9]{1,6}(\.[0-9]+)?$`)
	xListSep  = regexp.MustCompile(`[,;\n]`)
)

// xSetCell parses raw into the field p; on failure it returns the message key.
func xSetCell(k xkind, p any, raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	switch v := p.(type) {
	case *string:
		switch k {
		case xkText:
			*v = raw
		default:
			*v = s
		}
	case *[]string:
		var items []string
		if k == xkLines {
			items = strings.Split(raw, "\n")
		} else {
			items = xListSep.Split(raw, -1)
		}
		out := []string{}
		for _, it := range items {
			if it = strings.TrimSpace(it); it != "" {
				out = append(out, it)
			}
		}
		*v = out
	case *int:
		n, ok := xParseWhole(s, math.MinInt32, math.MaxInt32)
		if !ok {
			return "catalog.xlsx.number", false
		}
		*v = int(n)
	case *int64:
		n, ok := xParseWhole(s, -1<<53, 1<<53)
		if !ok {
			return "catalog.xlsx.number", false
		}
		*v = n
	case *bool:
		switch strings.ToLower(norm.NFC.String(s)) {
		case xlsxYes, "co", "x", "yes", "y", "true", "1":
			*v = true
		case "", xlsxNo, "khong", "no", "n", "false", "0":
			*v = false
		default:
			return "catalog.xlsx.boolean", false
		}
	default:
		panic(fmt.Sprintf("catalog: xlsx column of type %T", p))
	}
	return "", true
}

// xParseWhole reads a whole number, as a spreadsheet stores it ("8000",
// "8E3") or as typed; empty is 0.
func xParseWhole(s string, lo, hi int64) (int64, bool) {
	if s == "" {
		return 0, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, n >= lo && n <= hi
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, false
	}
	return int64(f), true
}

// xRegister records where the object at path and each of its columns was read.
func xRegister[T any](m *XLSXMap, h xheader, def *xsheet[T], row int, path string) {
	m.put(path, xCellLoc{sheet: h.sheet, row: row})
	for _, c := range def.cols {
		if c.path == "" {
			continue
		}
		if _, ok := h.col[c.key]; ok {
			m.put(path+"."+c.path, xCellLoc{sheet: h.sheet, row: row, col: h.label[c.key]})
		} else {
			m.put(path+"."+c.path, xCellLoc{sheet: h.sheet, row: row})
		}
	}
}

// ReadXLSX reads a workbook written by WriteXLSX (or filled in from
// TemplateXLSX) into a bundle: ReadXLSXMapped without the map.
func ReadXLSX(r io.Reader) (Bundle, []CellProblem, error) {
	b, ps, _, err := ReadXLSXMapped(r)
	return b, ps, err
}

// ReadXLSXMapped reads a workbook written by WriteXLSX (or filled in from
// TemplateXLSX) into a bundle, with a map from the bundle's paths to the
// cells they came from, for LocateProblems.
//
// Problems with the workbook's structure (a sheet or a column missing, a
// number column with text, a row naming a procedure or case that is not
// there, a duplicate procedure or case code) are returned as CellProblems,
// all at once; a file that is not a catalogue workbook at all is one
// CellProblem, "catalog.xlsx.malformed". The bundle is then incomplete and
// must not be imported. The error is for failures to read r (Internal).
//
// Without structural problems, the bundle still needs validating:
// Service.Import does it, and the map's Locate places its problems.
func ReadXLSXMapped(r io.Reader) (b Bundle, problems []CellProblem, m *XLSXMap, err error) {
	const op = "catalog.ReadXLSX"
	data, err := io.ReadAll(r)
	if err != nil {
		return Bundle{}, nil, nil, errs.Wrap(op, err)
	}
	malformed := []CellProblem{{Key: "catalog.xlsx.malformed"}}
	// A damaged file must not take the request down with it.
	defer func() {
		if v := recover(); v != nil {
			if !xlsxRecover {
				panic(v)
			}
			b, problems, m, err = Bundle{Format: Format, Fields: []Field{}, Procedures: []Document{}}, malformed, &XLSXMap{}, nil
		}
	}()
	m = &XLSXMap{}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: xlsxUnzipLimit})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return Bundle{Format: Format, Fields: []Field{}, Procedures: []Document{}}, malformed, m, nil
	}
	defer f.Close()
	x := &xreader{f: f, m: m}
	known := 0
	for _, s := range xSheetOrder[1:] {
		if _, ok := x.sheetName(s); ok {
			known++
		}
	}
	if known == 0 {
		return Bundle{Format: Format, Fields: []Field{}, Procedures: []Document{}}, malformed, m, nil
	}
	b = x.read()
	xSortProblems(x.problems)
	return b, x.problems, m, nil
}

func (x *xreader) read() Bundle {
	b := Bundle{Format: Format, Fields: []Field{}, Procedures: []Document{}}
	if name, ok := x.sheetName(SheetGuide); ok {
		if v, err := x.f.GetCellValue(name, "B1"); err == nil {
			at := xCellLoc{sheet: SheetGuide, row: 1, col: "B (Định dạng)"}
			x.m.put("format", at)
			if v = strings.TrimSpace(v); v != "" && v != Format {
				x.add(CellProblem{Sheet: at.sheet, Row: at.row, Column: at.col, Path: "format", Key: "catalog.import.format", Args: []any{Format}})
			}
		}
	}

	h, fields := xReadSheet(x, &xFieldSheet)
	for _, row := range fields {
		xRegister(x.m, h, &xFieldSheet, row.n, fmt.Sprintf("fields[%d]", len(b.Fields)))
		b.Fields = append(b.Fields, row.v)
	}

	// Procedures, by code: the first row with a code is the one; a second
	// is a problem, since the other sheets could not tell them apart.
	procs := map[string]int{}
	procRow := map[string]int{}
	h, rows := xReadSheet(x, &xProcSheet)
	for _, row := range rows {
		d := row.v
		if first, dup := procRow[d.Code]; dup && d.Code != "" {
			x.add(h.at(row.n, "code", "catalog.xlsx.duplicate", d.Code, first))
			continue
		}
		if len(d.Receivers) == 0 {
			d.Receivers = nil
		}
		d.Results, d.LegalBasis, d.Cases = []Result{}, []Legal{}, []Case{}
		i := len(b.Procedures)
		xRegister(x.m, h, &xProcSheet, row.n, fmt.Sprintf("procedures[%d]", i))
		if d.Code != "" {
			procs[d.Code], procRow[d.Code] = i, row.n
		}
		b.Procedures = append(b.Procedures, d)
	}
	// proc finds the procedure a child row names.
	proc := func(h *xheader, n int, code string) (int, bool) {
		if code == "" {
			x.add(h.at(n, "procedure_code", "field.required"))
			return 0, false
		}
		i, ok := procs[code]
		if !ok {
			x.add(h.at(n, "procedure_code", "catalog.xlsx.unknown_procedure", code))
		}
		return i, ok
	}

	h, results := xReadSheet(x, &xResultSheet)
	for _, row := range results {
		if i, ok := proc(&h, row.n, row.v.Proc); ok {
			d := &b.Procedures[i]
			xRegister(x.m, h, &xResultSheet, row.n, fmt.Sprintf("procedures[%d].results[%d]", i, len(d.Results)))
			d.Results = append(d.Results, row.v.R)
		}
	}
	h, legal := xReadSheet(x, &xLegalSheet)
	for _, row := range legal {
		if i, ok := proc(&h, row.n, row.v.Proc); ok {
			d := &b.Procedures[i]
			xRegister(x.m, h, &xLegalSheet, row.n, fmt.Sprintf("procedures[%d].legal_basis[%d]", i, len(d.LegalBasis)))
			d.LegalBasis = append(d.LegalBasis, row.v.L)
		}
	}

	type caseKey struct{ proc, code string }
	cases := map[caseKey]int{}
	caseRows := map[caseKey]int{}
	h, crows := xReadSheet(x, &xCaseSheet)
	for _, row := range crows {
		i, ok := proc(&h, row.n, row.v.Proc)
		if !ok {
			continue
		}
		k := caseKey{row.v.Proc, row.v.C.Code}
		if first, dup := caseRows[k]; dup && k.code != "" {
			x.add(h.at(row.n, "code", "catalog.xlsx.duplicate", k.code, first))
			continue
		}
		d := &b.Procedures[i]
		c := row.v.C
		c.Fees, c.Components, c.Form, c.Process = []Fee{}, []Component{}, []FormField{}, []Step{}
		j := len(d.Cases)
		xRegister(x.m, h, &xCaseSheet, row.n, fmt.Sprintf("procedures[%d].cases[%d]", i, j))
		if k.code != "" {
			cases[k], caseRows[k] = j, row.n
		}
		d.Cases = append(d.Cases, c)
	}
	// kase finds the case a row names.
	kase := func(h *xheader, n int, p, c string) (string, *Case, bool) {
		i, ok := proc(h, n, p)
		if !ok {
			return "", nil, false
		}
		if c == "" {
			x.add(h.at(n, "case_code", "field.required"))
			return "", nil, false
		}
		j, ok := cases[caseKey{p, c}]
		if !ok {
			x.add(h.at(n, "case_code", "catalog.xlsx.unknown_case", p, c))
			return "", nil, false
		}
		return fmt.Sprintf("procedures[%d].cases[%d]", i, j), &b.Procedures[i].Cases[j], true
	}

	h, fees := xReadSheet(x, &xFeeSheet)
	for _, row := range fees {
		if path, c, ok := kase(&h, row.n, row.v.Proc, row.v.Case); ok {
			xRegister(x.m, h, &xFeeSheet, row.n, fmt.Sprintf("%s.fees[%d]", path, len(c.Fees)))
			c.Fees = append(c.Fees, row.v.F)
		}
	}
	h, comps := xReadSheet(x, &xComponentSheet)
	for _, row := range comps {
		if path, c, ok := kase(&h, row.n, row.v.Proc, row.v.Case); ok {
			xRegister(x.m, h, &xComponentSheet, row.n, fmt.Sprintf("%s.components[%d]", path, len(c.Components)))
			c.Components = append(c.Components, row.v.C)
		}
	}
	h, form := xReadSheet(x, &xFormSheet)
	for _, row := range form {
		if path, c, ok := kase(&h, row.n, row.v.Proc, row.v.Case); ok {
			f := row.v.F
			if len(f.Options) == 0 {
				f.Options = nil
			}
			xRegister(x.m, h, &xFormSheet, row.n, fmt.Sprintf("%s.form[%d]", path, len(c.Form)))
			c.Form = append(c.Form, f)
		}
	}
	h, steps := xReadSheet(x, &xStepSheet)
	for _, row := range steps {
		if path, c, ok := kase(&h, row.n, row.v.Proc, row.v.Case); ok {
			xRegister(x.m, h, &xStepSheet, row.n, fmt.Sprintf("%s.process[%d]", path, len(c.Process)))
			c.Process = append(c.Process, row.v.S)
		}
	}
	return b
}
