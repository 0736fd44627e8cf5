package embedded_test

import (
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/servertest"
)

// TestServer runs the warehouse service end to end on the embedded store.
func TestServer(t *testing.T) {
	servertest.Run(t, func(t *testing.T) warehouse.Store {
		st, err := embedded.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
