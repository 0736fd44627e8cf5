package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

// UploadRevocations sends the citizen's consent revocations; the
// warehouse keeps the first revocation of each consent, so sending one
// again is harmless.
func (c *Client) UploadRevocations(ctx context.Context, st wallet.Store, revs []protocol.Revocation) (int, error) {
	dev, err := DeviceKey(ctx, st)
	if err != nil {
		return 0, fmt.Errorf("upload revocations: %w", err)
	}
	var resp protocol.RevocationsResponse
	if _, err := c.call(ctx, http.MethodPost, protocol.PathRevocations, nil, protocol.RevocationsRequest{Revocations: revs}, dev, &resp); err != nil {
		return 0, fmt.Errorf("upload revocations: %w", err)
	}
	return resp.Accepted, nil
}

// AccessLog downloads the uses of the citizen's consents after cursor
// (the NextCursor of an earlier call; "" for all) and returns them with
// the new cursor.
func (c *Client) AccessLog(ctx context.Context, st wallet.Store, cursor string) ([]protocol.AccessEntry, string, error) {
	dev, err := DeviceKey(ctx, st)
	if err != nil {
		return nil, cursor, fmt.Errorf("access log: %w", err)
	}
	var out []protocol.AccessEntry
	for {
		q := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page protocol.AccessLogResponse
		if _, err := c.call(ctx, http.MethodGet, protocol.PathAccessLog, q, nil, dev, &page); err != nil {
			return out, cursor, fmt.Errorf("access log: %w", err)
		}
		out = append(out, page.Entries...)
		cursor = page.NextCursor
		if !page.More || len(page.Entries) == 0 {
			return out, cursor, nil
		}
	}
}
