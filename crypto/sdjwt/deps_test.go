package sdjwt

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies enforces the layering: crypto/sdjwt imports only
// crypto/keys of this module (the tests also use crypto/trust), and no
// UI or storage library.
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, out)
	}
	const module = "github.com/vnwallet/citizenwallet/"
	allowed := map[string]bool{module + "crypto/sdjwt": true, module + "crypto/keys": true}
	banned := []string{"fyne.io/", "github.com/dgraph-io/", "github.com/go-resty/"}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, module) && !allowed[dep] {
			t.Errorf("crypto/sdjwt depends on %s", dep)
		}
		for _, b := range banned {
			if strings.HasPrefix(dep, b) {
				t.Errorf("crypto/sdjwt depends on %s", dep)
			}
		}
	}
}
