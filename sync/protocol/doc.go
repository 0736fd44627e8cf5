// Package protocol holds the versioned wire types of the wallet ↔
// provincial warehouse protocol, shared by the sync client and the
// reference warehouse server, and kept apart from the wallet's domain
// structs so either can change without breaking the other.
//
// The protocol is documented as OpenAPI in docs/warehouse-openapi.yaml.
// Every request after enrolment carries "Authorization: Device <jwt>",
// a short-lived JWT signed by the device key (see RequestClaims). Records
// travel as issuer-signed SD-JWTs bound to the device key; the client
// verifies each against the signed trust list before storing it.
package protocol
