package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
)

// PendingRevocations counts the citizen's revocations the warehouse has
// not answered yet: SyncConsents sends them.
func PendingRevocations(ctx context.Context, st wallet.Store, h *wallet.ConsentHistory, now time.Time) (int, error) {
	all, err := h.List(ctx, now)
	if err != nil {
		return 0, err
	}
	var sent []string
	if b, err := st.Meta(ctx, MetaRevocationsSent); err == nil {
		if err := json.Unmarshal(b, &sent); err != nil {
			return 0, fmt.Errorf("pending revocations: %w: stored revocations: %v", wallet.ErrIntegrity, err)
		}
	} else if !errors.Is(err, wallet.ErrNotFound) {
		return 0, err
	}
	n := 0
	for _, s := range all {
		if s.State == wallet.ConsentRevoked && !slices.Contains(sent, s.Consent.ID) {
			n++
		}
	}
	return n, nil
}
