package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/wallet"
)

// pinReader asks for PINs: from standard input one line each with
// --pin-stdin, otherwise on the terminal without echo.
type pinReader struct {
	fromStdin bool
	stdin     io.Reader
	lines     *bufio.Reader
	prompt    io.Writer
}

func newPINReader(stdin io.Reader, prompt io.Writer, fromStdin bool) *pinReader {
	return &pinReader{fromStdin: fromStdin, stdin: stdin, prompt: prompt}
}

// read returns one PIN. The caller wipes it when done.
func (p *pinReader) read(prompt string) ([]byte, error) {
	if p.fromStdin {
		return p.readLine()
	}
	f, ok := p.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, cli.Usagef("không có terminal để nhập PIN, hãy dùng --pin-stdin / no terminal to ask for the PIN, use --pin-stdin")
	}
	fmt.Fprint(p.prompt, prompt)
	pin, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(p.prompt)
	if err != nil {
		return nil, fmt.Errorf("read PIN from the terminal: %w", err)
	}
	return pin, nil
}

// readLine reads one line of standard input, without its line ending.
func (p *pinReader) readLine() ([]byte, error) {
	if p.lines == nil {
		p.lines = bufio.NewReaderSize(p.stdin, 256)
	}
	var line []byte
	for {
		chunk, err := p.lines.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > wallet.MaxPINBytes+2 {
			wipe(line)
			return nil, &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("PIN trên đầu vào chuẩn quá dài / PIN on standard input is longer than %d bytes", wallet.MaxPINBytes)}
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return nil, cli.Usagef("thiếu PIN trên đầu vào chuẩn / no PIN on standard input (--pin-stdin reads one PIN per line)")
			}
			break
		}
		wipe(line)
		return nil, fmt.Errorf("read PIN from standard input: %w", err)
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}

// newPIN reads a new PIN (twice on a terminal) and checks the PIN rules.
func (p *pinReader) newPIN(prompt, again string) ([]byte, error) {
	pin, err := p.read(prompt)
	if err != nil {
		return nil, err
	}
	if err := wallet.ValidatePIN(pin); err != nil {
		wipe(pin)
		return nil, &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("mã PIN mới không hợp lệ, cần ít nhất %d ký tự / the new PIN is not valid (%v)", wallet.MinPINLength, err)}
	}
	if p.fromStdin {
		return pin, nil
	}
	confirm, err := p.read(again)
	if err != nil {
		wipe(pin)
		return nil, err
	}
	defer wipe(confirm)
	if !bytes.Equal(pin, confirm) {
		wipe(pin)
		return nil, &cli.Error{Code: exitInvalid, Msg: "hai lần nhập PIN không khớp / the two PINs differ"}
	}
	return pin, nil
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
