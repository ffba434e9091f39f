package app

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/notify"
)

// dossierNotifier tells applicants about their dossiers through the
// outbox: by e-mail when they have an address and SMTP is configured;
// otherwise the message is recorded on the sink channel, so that what the
// applicant was told is always in the back office, never silently lost.
type dossierNotifier struct {
	agencies *agency.Service
	baseURL  string
	email    bool // SMTP is configured
	now      func() time.Time
	wake     func() // nudges the delivery worker once the change commits
}

func (n *dossierNotifier) Notify(ctx context.Context, tx *db.Tx, topic string, d *dossier.Dossier, extra map[string]any) error {
	data := notify.TemplateData{Code: d.Code, ProcedureName: d.ProcedureName, DueDate: d.DueAt}
	if d.Code != "" {
		data.LookupURL = n.baseURL + "/lookup?code=" + url.QueryEscape(d.Code)
	} else {
		// Refused or sent back at reception: no code was given; the
		// dossier's number identifies it in the message and the back office.
		data.Code = "#" + strconv.FormatInt(d.ID, 10)
	}
	if a, err := n.agencies.Get(ctx, d.ProcessingAgency); err == nil {
		data.AgencyName = a.NameVI
	}
	if r, ok := extra["reason"].(string); ok {
		data.Reason = r
	}
	if m, ok := extra["missing"].([]string); ok {
		data.Items = m
	}
	if amt, ok := extra["amount"].(int64); ok {
		data.Amount = amt
	}
	subject, body, err := notify.Render(topic, data)
	if err != nil {
		return err
	}
	msg := notify.Message{Channel: notify.ChannelSink, Recipient: d.Applicant.FullName, Subject: subject, Body: body, Topic: topic, Ref: data.Code}
	if n.email && d.Applicant.Email != "" {
		msg.Channel, msg.Recipient = notify.ChannelEmail, d.Applicant.Email
	} else if d.Applicant.Email != "" {
		msg.Recipient = d.Applicant.Email
	}
	if err := notify.Enqueue(ctx, tx, msg, n.now()); err != nil {
		return err
	}
	if n.wake != nil {
		tx.AfterCommit(n.wake)
	}
	return nil
}

// NotifyStaff tells the processing agency that a dossier is due soon or
// overdue: by e-mail to the agency's address when SMTP is configured, else
// on the sink channel shown in the back office.
func (n *dossierNotifier) NotifyStaff(ctx context.Context, tx *db.Tx, flag string, d *dossier.Dossier) error {
	a, err := n.agencies.Get(ctx, d.ProcessingAgency)
	if err != nil {
		return err
	}
	subject := "Hồ sơ " + d.Code + " sắp đến hạn trả kết quả"
	if flag == dossier.FlagOverdue {
		subject = "Hồ sơ " + d.Code + " đã quá hạn trả kết quả"
	}
	body := subject + ".\n\nThủ tục: " + d.ProcedureName + "\nHạn trả kết quả: " + d.DueAt.In(vietnam).Format("15:04 ngày 02/01/2006") +
		"\nNgười nộp: " + d.Applicant.FullName + "\n\nXem hồ sơ: " + n.baseURL + "/office/dossiers/" + strconv.FormatInt(d.ID, 10) + "\n"
	msg := notify.Message{Channel: notify.ChannelSink, Recipient: a.NameVI, Subject: subject, Body: body, Topic: "staff_" + flag, Ref: d.Code}
	if n.email && a.Email != "" {
		msg.Channel, msg.Recipient = notify.ChannelEmail, a.Email
	}
	if err := notify.Enqueue(ctx, tx, msg, n.now()); err != nil {
		return err
	}
	if n.wake != nil {
		tx.AfterCommit(n.wake)
	}
	return nil
}

var vietnam = time.FixedZone("ICT", 7*3600)
