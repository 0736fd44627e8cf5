package postgres_test

import (
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/servertest"
)

// TestServer runs the warehouse service end to end on the PostgreSQL
// store.
func TestServer(t *testing.T) {
	servertest.Run(t, func(t *testing.T) warehouse.Store { return open(t) })
}
