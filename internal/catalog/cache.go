package catalog

import (
	"slices"
	"sync"
)

// versionCache keeps published versions by id for Published. A version
// that left draft never changes again — its document, number and
// publication are frozen; only its status moves on (superseded,
// withdrawn) — so an entry never goes stale, and Published reads the
// status and which version is current from the database on every call
// (one narrow indexed row) rather than trusting a timer: every server copy
// sees a publication or a withdrawal at once. What the cache saves is
// reading and decoding the whole document, which was a quarter of the
// CPU of filing a dossier.
type versionCache struct {
	mu   sync.RWMutex
	byID map[int64]Version
}

// maxCachedVersions bounds the cache: far more than the versions a
// province's dossiers are filed under at a time (a few thousand procedures,
// most at one version), a few tens of MB at most.
const maxCachedVersions = 8192

func (c *versionCache) get(id int64) (Version, bool) {
	c.mu.RLock()
	v, ok := c.byID[id]
	c.mu.RUnlock()
	return v, ok
}

func (c *versionCache) put(v Version) {
	if v.Status == Draft {
		return // drafts change in place
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[int64]Version{}
	}
	if len(c.byID) >= maxCachedVersions {
		// Any entry will do: all are correct, and a dropped one is read
		// again when needed.
		for id := range c.byID {
			delete(c.byID, id)
			break
		}
	}
	c.byID[v.ID] = v
}

// clone returns a deep copy of d, so that a caller that changes the
// document it was given cannot change the cached one.
func (d Document) clone() Document {
	d.Levels = slices.Clone(d.Levels)
	d.Agencies = slices.Clone(d.Agencies)
	d.Receivers = slices.Clone(d.Receivers)
	d.Applicants = slices.Clone(d.Applicants)
	d.Results = slices.Clone(d.Results)
	d.LegalBasis = slices.Clone(d.LegalBasis)
	d.Cases = slices.Clone(d.Cases)
	for i := range d.Cases {
		c := &d.Cases[i]
		c.Channels = slices.Clone(c.Channels)
		c.Fees = slices.Clone(c.Fees)
		c.Components = slices.Clone(c.Components)
		c.Form = slices.Clone(c.Form)
		for j := range c.Form {
			c.Form[j].Options = slices.Clone(c.Form[j].Options)
		}
		c.Process = slices.Clone(c.Process)
	}
	return d
}
