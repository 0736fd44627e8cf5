package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/vnwallet/citizenwallet/sync/protocol"
)

// Redeem is the counter's side of an online consent token: it sends the
// token to the warehouse and returns the credentials it answers with.
// Verify them with consent.Verifier.VerifyRedeemed before use. A refusal
// (revoked, used, wrong audience, expired) is a *ServerError with its
// protocol code.
func (c *Client) Redeem(ctx context.Context, token string, counter protocol.Counter) (protocol.RedeemResponse, error) {
	var resp protocol.RedeemResponse
	if _, err := c.call(ctx, http.MethodPost, protocol.PathRedeem, nil, protocol.RedeemRequest{Token: token, Counter: counter}, nil, &resp); err != nil {
		return resp, fmt.Errorf("redeem: %w", err)
	}
	return resp, nil
}

// RevocationList fetches one signed page of the revocation list of the
// consents for aud after version since (0: from the start). Verify it
// with consent.VerifyRevocationList and the trust list.
func (c *Client) RevocationList(ctx context.Context, aud string, since int64) (string, error) {
	var resp protocol.RevocationListResponse
	q := url.Values{"aud": {aud}, "since": {strconv.FormatInt(since, 10)}}
	if _, err := c.call(ctx, http.MethodGet, protocol.PathRevocationList, q, nil, nil, &resp); err != nil {
		return "", fmt.Errorf("revocation list: %w", err)
	}
	return resp.List, nil
}

// FetchTrustList fetches the signed trust list without a profile (a
// counter); verify it with trust.Verify and the root key.
func (c *Client) FetchTrustList(ctx context.Context) (string, error) {
	var resp protocol.TrustListResponse
	if _, err := c.call(ctx, http.MethodGet, protocol.PathTrustList, nil, nil, nil, &resp); err != nil {
		return "", fmt.Errorf("trust list: %w", err)
	}
	return resp.TrustList, nil
}
