// Package notify tells applicants what happens to their dossiers, through a
// transactional outbox.
//
// A service writes the notification with Enqueue in the same transaction as
// the change it announces (a dossier accepted, a supplement requested, …):
// if the change rolls back, so does the message, and once the change is
// committed the message cannot be lost. A Worker, which any number of server
// copies may run at once, claims due rows by leasing them in the database,
// delivers them outside any transaction through the Deliverer registered for
// the row's channel (SMTP for "email", the Sink in demo mode), and records
// the outcome: sent, or retried later with exponential backoff, or failed
// for good after a permanent error or MaxAttempts attempts.
//
// Delivery is at least once: a worker that dies after handing a message to
// the mail server but before recording it leaves a lease that expires, and
// another worker sends the message again. E-mails carry a Message-ID derived
// from the outbox row, the same on every attempt, so that mail systems can
// recognise the duplicate.
//
// Message texts for the dossier events come from Render (Vietnamese
// templates, embedded and parsed when the package loads).
package notify

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/errs"
)

// Channels known to this package. Others (SMS, webhook) are added by
// registering a Deliverer under their name.
const (
	ChannelEmail = "email"
	ChannelSink  = "sink"
)

// Limits on what Enqueue accepts.
const (
	maxChannel   = 32
	maxRecipient = 320     // RFC 5321: 64 + 1 + 255, rounded up
	maxSubject   = 1000    // characters; folded over several header lines
	maxBody      = 1 << 20 // bytes
)

// Message is one notification to one recipient.
type Message struct {
	// ID identifies the outbox row, the same on every delivery attempt (the
	// worker sets it; it is ignored by Enqueue). Deliverers use it to make
	// repeated deliveries recognisable, e.g. as the e-mail Message-ID.
	ID string
	// Channel names the Deliverer: "email", later "sms", "webhook".
	Channel string
	// Recipient is channel-specific: an e-mail address for "email".
	Recipient string
	// Subject is one line; Body is plain text, lines separated by "\n".
	Subject, Body string
	// Topic is the event (TopicAccepted, …) and Ref what it is about (a
	// dossier code): both are for filtering in the back office.
	Topic, Ref string
}

// Validate checks what every channel needs: a channel name and a recipient,
// valid UTF-8 of bounded size, and no line breaks or other control
// characters in the recipient and the subject, which end up in protocol
// lines and headers (header injection). Whether the recipient is a valid
// address for its channel is for the Deliverer to say: a bad address must
// not roll back the change it was to announce, so it shows up as a failed
// row in the back office instead.
func Validate(m Message) error {
	var v errs.Validation
	switch {
	case m.Channel == "":
		v.Add("channel", "field.required")
	case len(m.Channel) > maxChannel || !isChannelName(m.Channel):
		v.Add("channel", "notify.channel.invalid")
	}
	switch {
	case strings.TrimSpace(m.Recipient) == "":
		v.Add("recipient", "field.required")
	case len(m.Recipient) > maxRecipient:
		v.Add("recipient", "field.too_long", maxRecipient)
	case !singleLine(m.Recipient):
		v.Add("recipient", "notify.single_line")
	}
	switch {
	case utf8.RuneCountInString(m.Subject) > maxSubject:
		v.Add("subject", "field.too_long", maxSubject)
	case !singleLine(m.Subject):
		v.Add("subject", "notify.single_line")
	}
	switch {
	case len(m.Body) > maxBody:
		v.Add("body", "field.too_long", maxBody)
	case !utf8.ValidString(m.Body) || strings.IndexByte(m.Body, 0) >= 0:
		v.Add("body", "notify.text.invalid")
	}
	for field, s := range map[string]string{"topic": m.Topic, "ref": m.Ref} {
		if len(s) > 200 {
			v.Add(field, "field.too_long", 200)
		} else if !singleLine(s) {
			v.Add(field, "notify.single_line")
		}
	}
	return v.Err("notify.Validate")
}

func isChannelName(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// singleLine reports whether s is valid UTF-8 without control characters
// (C0, DEL, C1) or Unicode line and paragraph separators.
func singleLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// Enqueue writes m to the outbox inside the caller's transaction, due at
// now. It returns an Invalid error (and writes nothing) if Validate refuses
// m. To have the local worker deliver at once rather than at its next tick,
// register its Wake after the commit: tx.AfterCommit(worker.Wake).
func Enqueue(ctx context.Context, tx *db.Tx, m Message, now time.Time) error {
	const op = "notify.Enqueue"
	if err := Validate(m); err != nil {
		return errs.Wrap(op, err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (created_at, channel, recipient, subject, body, topic, ref, status, attempts, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)`,
		db.T(now), m.Channel, m.Recipient, m.Subject, m.Body, m.Topic, m.Ref, db.T(now))
	return errs.Wrap(op, err)
}

// Deliverer sends messages of one channel.
type Deliverer interface {
	// Channel names the deliverer, for logs ("email", "sink").
	Channel() string
	// Deliver sends m. An error wrapping ErrPermanent (see Permanent) means
	// that trying again cannot help (a malformed or unknown address, a
	// message the server refuses); any other error is temporary and the
	// message is retried later.
	Deliver(ctx context.Context, m Message) error
}

// Deliverers maps each deliverer's Channel to it, for Worker.Deliverers.
func Deliverers(ds ...Deliverer) map[string]Deliverer {
	out := make(map[string]Deliverer, len(ds))
	for _, d := range ds {
		out[d.Channel()] = d
	}
	return out
}

// ErrPermanent marks delivery failures that retrying cannot fix.
var ErrPermanent = errors.New("permanent delivery failure")

type permanentError struct{ err error }

func (e permanentError) Error() string        { return e.err.Error() }
func (e permanentError) Unwrap() error        { return e.err }
func (e permanentError) Is(target error) bool { return target == ErrPermanent }

// Permanent marks err as permanent: errors.Is(Permanent(err), ErrPermanent).
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil || errors.Is(err, ErrPermanent) {
		return err
	}
	return permanentError{err}
}

// IsPermanent reports whether err is a permanent delivery failure.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }
