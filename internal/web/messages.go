package web

import (
	"net/http"
	"strconv"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/notify"
)

// messages lists the notifications the platform sent or tried to send
// (in a demo, the built-in sink's messages), for platform administrators:
// they contain applicants' personal data, so reading them is audited.
func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "messages.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := authz.Authorize("web.messages", pr, authz.ReadAudit, authz.Object{}); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	q := r.URL.Query()
	p.Form.Set("ref", q.Get("ref"))
	p.Form.Set("status", q.Get("status"))
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	rows, err := notify.List(r.Context(), s.cfg.DB, notify.Filter{Ref: q.Get("ref"), Status: q.Get("status"), BeforeID: before, Limit: 50})
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	err = s.cfg.DB.Tx(r.Context(), func(tx *db.Tx) error {
		return s.cfg.Audit.Record(r.Context(), tx, audit.Entry{Actor: pr.Actor(), Action: "messages.read", ObjectType: "outbox",
			ObjectID: q.Get("ref"), PersonalRead: true, Summary: map[string]any{"rows": len(rows)}})
	})
	if err != nil {
		s.fail(w, r, errs.Wrap("web.messages", err), "", p)
		return
	}
	var next int64
	if len(rows) == 50 {
		next = rows[len(rows)-1].ID
	}
	s.render(w, r, "messages", p.with("Rows", rows).with("Next", next))
}

// retryMessage puts a failed notification back in the queue.
func (s *Server) retryMessage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "messages.title")
	pr := s.staff(w, r, p)
	if pr == nil {
		return
	}
	if err := authz.Authorize("web.messages", pr, authz.ReadAudit, authz.Object{}); err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	err := s.cfg.DB.Tx(r.Context(), func(tx *db.Tx) error {
		if err := notify.Retry(r.Context(), tx, id, s.cfg.Now()); err != nil {
			return err
		}
		return s.cfg.Audit.Record(r.Context(), tx, audit.Entry{Actor: pr.Actor(), Action: "messages.retry", ObjectType: "outbox", ObjectID: strconv.FormatInt(id, 10)})
	})
	if err != nil {
		s.fail(w, r, err, "", p)
		return
	}
	http.Redirect(w, r, "/office/messages?ok=done", http.StatusSeeOther)
}
