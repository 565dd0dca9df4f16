package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Sealer encrypts personal data before it is written (AES-256-GCM) and derives keyed hashes
// (HMAC-SHA256) for looking values up without storing them in plain (docs/ARCHITECTURE.md, "Security and
// personal data"). It is safe for concurrent use.
type Sealer struct {
	aead    cipher.AEAD
	hashKey []byte
}

// NewSealer builds a Sealer from a 32-byte key. The encryption and hashing keys are derived from
// it separately, so a leaked hash never helps decrypt.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("store: encryption key must be 32 bytes, got %d", len(key))
	}
	encKey := derive(key, "ssonet encryption v1")
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Sealer{aead: aead, hashKey: derive(key, "ssonet lookup hash v1")}, nil
}

// ParseSealerKey decodes a base64 (standard or URL alphabet, padded or not) 32-byte key, the form
// of ENCRYPTION_KEY.
func ParseSealerKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("key decodes to %d bytes, want 32", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("key is not base64")
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plain and returns base64 (standard) of nonce‖ciphertext‖tag. The empty string
// seals to the empty string so optional fields stay empty.
func (s *Sealer) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("store: crypto/rand failed: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), nil)
	return base64.StdEncoding.EncodeToString(out)
}

// Open reverses Seal. A value that was not sealed with this key gives an error.
func (s *Sealer) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("store: sealed value is not base64: %w", err)
	}
	n := s.aead.NonceSize()
	if len(raw) < n {
		return "", errors.New("store: sealed value too short")
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", fmt.Errorf("store: cannot open sealed value: %w", err)
	}
	return string(plain), nil
}

// SealJSON seals the JSON encoding of v: structured personal data kept as one value, such as a
// session's collected fields.
func (s *Sealer) SealJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return s.Seal(string(b)), nil
}

// OpenJSON reverses SealJSON, decoding into v. The empty string leaves v unchanged.
func (s *Sealer) OpenJSON(sealed string, v any) error {
	plain, err := s.Open(sealed)
	if err != nil || plain == "" {
		return err
	}
	if err := json.Unmarshal([]byte(plain), v); err != nil {
		return fmt.Errorf("store: sealed value is not JSON: %w", err)
	}
	return nil
}

// Hash returns the hex HMAC-SHA256 of value under the lookup key: equal inputs give equal
// hashes, so it can back a unique index (for example the national ID of a referral).
func (s *Sealer) Hash(value string) string {
	m := hmac.New(sha256.New, s.hashKey)
	m.Write([]byte(value))
	return fmt.Sprintf("%x", m.Sum(nil))
}
