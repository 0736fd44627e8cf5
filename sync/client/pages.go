package client

import (
	"errors"
	"time"
)

// pager sizes the pages of one paged download by the link: it starts at
// Config.PageSize, doubles while pages arrive quickly, halves when one is
// slow or lost to the network, within [1, Config.MaxPageSize].
//
// "Quickly" is under a quarter of the idle timeout: the next, doubled
// page should then take under half of it. A page slower than the idle
// timeout is not an error (bytes kept moving), but it means the bar moves
// rarely and a cut loses much, so the next one is halved. The time of a
// page includes the round trip and the warehouse's work, so on a link
// with a long RTT pages grow larger than the bandwidth alone would say,
// which is what the round trips cost there.
type pager struct {
	size, max int
	idle      time.Duration
}

func (c *Client) newPager() *pager {
	return &pager{size: c.cfg.PageSize, max: c.cfg.MaxPageSize, idle: c.cfg.IdleTimeout}
}

// arrived adapts the size after a page of the current size took elapsed.
// got is how many entries it carried: a short page (the end of the feed,
// or cut short by the warehouse's byte limit) says nothing about a larger
// one, so it does not grow the size.
func (p *pager) arrived(got int, elapsed time.Duration) {
	switch {
	case elapsed > p.idle:
		p.size = max(1, p.size/2)
	case elapsed < p.idle/4 && got >= p.size:
		p.size = min(p.max, p.size*2)
	}
}

// failed adapts the size before a page is asked again after err: a page
// lost to the network (stalled, cut, over the time limit) is asked at
// half the size; a refusal (5xx, 429) keeps it.
func (p *pager) failed(err error) {
	if errors.Is(err, ErrOffline) {
		p.size = max(1, p.size/2)
	}
}
