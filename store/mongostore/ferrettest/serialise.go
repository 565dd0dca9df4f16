package ferrettest

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
)

// serialise starts a TCP relay in front of the MongoDB wire-protocol server at backend and
// returns its address. The relay lets one command at a time through, across all connections.
//
// FerretDB 1.x runs an update as "query, then write back by _id" in separate steps, so two
// concurrent guarded updates (filter on version or state) can both succeed — MongoDB never lets
// that happen to one document. One command at a time gives tests the per-document atomicity
// that the stores rely on in production. Every request gets exactly one reply (FerretDB
// supports neither moreToCome nor exhaust cursors).
func serialise(backend string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	var mu sync.Mutex
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(client, backend, &mu)
		}
	}()
	return ln.Addr().String(), nil
}

// relay forwards requests from client to a fresh connection to backend, holding mu from
// sending each request until its reply has arrived.
func relay(client net.Conn, backend string, mu *sync.Mutex) {
	defer client.Close()
	server, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer server.Close()
	for {
		req, err := readMessage(client)
		if err != nil {
			return
		}
		mu.Lock()
		_, err = server.Write(req)
		var reply []byte
		if err == nil {
			reply, err = readMessage(server)
		}
		mu.Unlock()
		if err != nil {
			return
		}
		if _, err := client.Write(reply); err != nil {
			return
		}
	}
}

// readMessage reads one wire-protocol message: a little-endian int32 total length, then the
// rest of the message.
func readMessage(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(size[:])
	if n < 16 || n > 64<<20 { // a header is 16 bytes; MongoDB caps messages at 48 MB
		return nil, errors.New("ferrettest: bad wire message length")
	}
	msg := make([]byte, n)
	copy(msg, size[:])
	_, err := io.ReadFull(r, msg[4:])
	return msg, err
}
