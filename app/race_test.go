//go:build race

package app_test

// raceDetector reports a build with the race detector (go test -race),
// where rendering is ten times slower: the screenshot and large-text
// tests then render a part of their grid (make screenshots, which CI runs
// too, renders all of it without the detector).
const raceDetector = true
