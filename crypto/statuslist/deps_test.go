package statuslist

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies enforces the layering: crypto/statuslist imports only
// crypto/keys of this module, and no UI, storage or HTTP client library (net/http comes in through jwx, under crypto/keys).
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	const module = "github.com/vnwallet/citizenwallet/"
	allowed := map[string]bool{module + "crypto/statuslist": true, module + "crypto/keys": true}
	banned := []string{"fyne.io/", "github.com/dgraph-io/", "github.com/go-resty/"}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, module) && !allowed[dep] {
			t.Errorf("crypto/statuslist depends on %s", dep)
		}
		for _, b := range banned {
			if strings.HasPrefix(dep, b) {
				t.Errorf("crypto/statuslist depends on %s", dep)
			}
		}
	}
}
