package notify

import (
	"context"
	"log/slog"
)

// Sink is the deliverer of demo mode and of servers without an SMTP server
// configured: register it in place of the real channel
// (Worker.Deliverers = map[string]Deliverer{"email": Sink{}}) and every
// message is "delivered" by doing nothing, so that the worker marks its row
// sent. Nothing leaves the server and nothing is lost: the row, with its
// recipient, subject and body, stays in the outbox, where the back office
// lists it (List) as the demo's "sent mail" box.
//
// A server without a deliverer for a channel at all leaves that channel's
// rows pending (visible in the back office too) until a server copy that
// has one comes along.
type Sink struct {
	// Log, if set, gets one line per message (row, topic, ref; never the
	// recipient or the text).
	Log *slog.Logger
}

// Channel implements Deliverer.
func (Sink) Channel() string { return ChannelSink }

// Deliver implements Deliverer: it only honours cancellation.
func (s Sink) Deliver(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.Log != nil {
		s.Log.InfoContext(ctx, "notify: message kept in the outbox (sink)", "id", m.ID, "channel", m.Channel, "topic", m.Topic, "ref", m.Ref)
	}
	return nil
}
