package notify

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/motcua/motcua/internal/errs"
)

// The dossier events the applicant is told about.
const (
	TopicAccepted            = "accepted"             // Giấy tiếp nhận hồ sơ và hẹn trả kết quả
	TopicSupplementRequested = "supplement_requested" // Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
	TopicPaymentRequested    = "payment_requested"    // phí, lệ phí to pay
	TopicExtended            = "extended"             // Phiếu xin lỗi và hẹn lại ngày trả kết quả
	TopicResultReady         = "result_ready"
	TopicRefused             = "refused" // Phiếu từ chối tiếp nhận / refusal after appraisal
	TopicWithdrawn           = "withdrawn"
)

// Topics lists every topic Render knows, in lifecycle order.
func Topics() []string {
	return []string{TopicAccepted, TopicSupplementRequested, TopicPaymentRequested, TopicExtended,
		TopicResultReady, TopicRefused, TopicWithdrawn}
}

// TemplateData is what the message templates may use.
type TemplateData struct {
	Code          string    // dossier code; required by every topic
	ProcedureName string    // optional
	AgencyName    string    // optional: "Cơ quan giải quyết" otherwise
	DueDate       time.Time // appointment (accepted, extended: required) or payment deadline (optional)
	LookupURL     string    // optional: where the applicant follows the dossier
	Reason        string    // refused, extended: required; elsewhere an optional note
	Items         []string  // supplement_requested: what is missing, all at once (required)
	Amount        int64     // payment_requested: đồng, > 0
}

// vietnam is UTC+7 all year (no summer time): dates are shown as the
// applicant's calendar sees them, whatever zone the instant came in.
var vietnam = time.FixedZone("ICT", 7*60*60)

//go:embed templates/*.tmpl
var templateFS embed.FS

// templates is parsed when the package loads, so that a broken template
// stops the program at start rather than at the first dossier; it is never
// modified afterwards. TestRenderEveryTopic executes every topic.
var templates = template.Must(template.New("notify").Option("missingkey=error").Funcs(template.FuncMap{
	"when": when,
	"vnd":  vnd,
	"set":  func(t time.Time) bool { return !t.IsZero() },
}).ParseFS(templateFS, "templates/*.tmpl"))

// when formats an instant for Vietnamese readers: "ngày 15/04/2026", with
// the time of day when it is not midnight ("14 giờ 30, ngày 15/04/2026").
func when(t time.Time) string {
	t = t.In(vietnam)
	d := "ngày " + t.Format("02/01/2006")
	if t.Hour() != 0 || t.Minute() != 0 {
		return t.Format("15") + " giờ " + t.Format("04") + ", " + d
	}
	return d
}

// vnd formats an amount in đồng with Vietnamese digit grouping:
// 1500000 → "1.500.000 đồng".
func vnd(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String() + " đồng"
	}
	return b.String() + " đồng"
}

// Render produces the subject and the plain-text body of the message for a
// dossier event, in Vietnamese. It returns an Invalid error for an unknown
// topic or when data lacks what the topic needs.
func Render(topic string, data TemplateData) (subject, body string, err error) {
	const op = "notify.Render"
	var v errs.Validation
	if strings.TrimSpace(data.Code) == "" {
		v.Add("code", "field.required")
	}
	switch topic {
	case TopicAccepted:
		if data.DueDate.IsZero() {
			v.Add("due_date", "field.required")
		}
	case TopicSupplementRequested:
		if len(data.Items) == 0 {
			v.Add("items", "field.required")
		}
	case TopicPaymentRequested:
		if data.Amount <= 0 {
			v.Add("amount", "field.required")
		}
	case TopicExtended:
		if data.DueDate.IsZero() {
			v.Add("due_date", "field.required")
		}
		if strings.TrimSpace(data.Reason) == "" {
			v.Add("reason", "field.required")
		}
	case TopicRefused:
		if strings.TrimSpace(data.Reason) == "" {
			v.Add("reason", "field.required")
		}
	case TopicResultReady, TopicWithdrawn:
	default:
		v.Add("topic", "notify.topic.unknown")
	}
	if err := v.Err(op); err != nil {
		return "", "", err
	}
	// One-line fields stay on one line whatever the caller passed.
	data.Code, data.ProcedureName, data.AgencyName = oneLine(data.Code), oneLine(data.ProcedureName), oneLine(data.AgencyName)
	data.LookupURL = oneLine(data.LookupURL)
	items := make([]string, 0, len(data.Items))
	for _, it := range data.Items {
		if it = oneLine(it); it != "" {
			items = append(items, it)
		}
	}
	data.Items = items
	data.Reason = strings.TrimSpace(strings.ReplaceAll(data.Reason, "\r\n", "\n"))

	var sb, bb strings.Builder
	if err := templates.ExecuteTemplate(&sb, topic+".subject", data); err != nil {
		return "", "", errs.Wrap(op, fmt.Errorf("template %s.subject: %w", topic, err))
	}
	if err := templates.ExecuteTemplate(&bb, topic+".body", data); err != nil {
		return "", "", errs.Wrap(op, fmt.Errorf("template %s.body: %w", topic, err))
	}
	return oneLine(sb.String()), tidy(bb.String()), nil
}

// oneLine collapses all white space, line breaks included, to single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// tidy trims trailing spaces, keeps at most one empty line in a row and ends
// the text with exactly one line break.
func tidy(s string) string {
	var out []string
	blank := true // drops leading empty lines
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}
