package trust

import "strings"

// Credential type names. A province's credentials name their record type
// (SD-JWT VC "vct") with a URN of the province that defines the type
// registry, collision-resistant without a registry of registries:
//
//	urn:vn:dongnai:vct:identity.citizen
//
// the province id ("vn.dongnai") with its dots as colons, then "vct",
// then the type's code. Verifiers read it back with the trust list's
// province (List.TypeCode).

// VCT is the vct of the record type code in province.
func VCT(province, code string) string {
	return "urn:" + strings.ReplaceAll(province, ".", ":") + ":vct:" + code
}

// TypeCode returns the record type code a vct of this list's province
// names: the part after VCT(l.Province, ""). A vct without that prefix is
// returned as it is, with ok false (a credential of another province, or
// one issued before types were URNs, whose vct was the bare code).
func (l *List) TypeCode(vct string) (code string, ok bool) {
	code, ok = strings.CutPrefix(vct, VCT(l.Province, ""))
	if !ok || code == "" {
		return vct, false
	}
	return code, true
}
