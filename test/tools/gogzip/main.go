// Command gogzip gzips stdin to stdout with Go's compress/gzip at the default level, the way
// `flux push artifact` compresses its layer. Tests use it as the reference for our TypeScript
// encoder.
//
// Usage: gogzip [-chunk N] [-seed S] | gogzip -frames | gogzip -version
//
//	-chunk N  write the input to the gzip writer in N-byte pieces (default: one Write call)
//	-seed S   with S != 0, write pieces of random sizes in [1, N] drawn from seed S, to show
//	          that the output does not depend on how the input is split
//	-frames   batch mode: stdin is a sequence of (4-byte big-endian length, data) frames; each is
//	          gzipped on its own and written to stdout as (4-byte big-endian length, gzip) frames
//	-version  print the Go version this program was built with (the encoder changed in Go 1.27)
//	-stats    after compressing, print {"cpu_s":…,"wall_s":…,"maxrss_kib":…} to stderr
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"runtime"
	"time"
)

func main() {
	chunk := flag.Int("chunk", 0, "bytes per Write call (0 = whole input at once)")
	seed := flag.Int64("seed", 0, "random piece sizes in [1, chunk] from this seed (0 = fixed)")
	frames := flag.Bool("frames", false, "batch mode: length-prefixed frames in and out")
	version := flag.Bool("version", false, "print the Go version")
	stats := flag.Bool("stats", false, "print CPU time, wall time and peak RSS to stderr")
	flag.Parse()
	if *version {
		fmt.Println(runtime.Version())
		return
	}
	start := time.Now()
	var err error
	if *frames {
		err = runFrames()
	} else {
		err = run(*chunk, *seed)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gogzip:", err)
		os.Exit(1)
	}
	if *stats {
		cpu, rss := usage()
		fmt.Fprintf(os.Stderr, "{\"cpu_s\":%.4f,\"wall_s\":%.4f,\"maxrss_kib\":%d}\n",
			cpu, time.Since(start).Seconds(), rss)
	}
}

func run(chunk int, seed int64) error {
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	zw := gzip.NewWriter(out)
	if chunk <= 0 {
		// Stream with a large buffer; Go's output does not depend on write sizes.
		if _, err := io.CopyBuffer(zw, os.Stdin, make([]byte, 1<<20)); err != nil {
			return err
		}
	} else {
		in := bufio.NewReaderSize(os.Stdin, 1<<20)
		rng := rand.New(rand.NewSource(seed))
		buf := make([]byte, chunk)
		for {
			n := chunk
			if seed != 0 {
				n = 1 + rng.Intn(chunk)
			}
			m, err := io.ReadFull(in, buf[:n])
			if m > 0 {
				if _, werr := zw.Write(buf[:m]); werr != nil {
					return werr
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return out.Flush()
}

func runFrames() error {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	var gz bytes.Buffer
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(in, hdr[:]); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		data := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(in, data); err != nil {
			return err
		}
		gz.Reset()
		zw := gzip.NewWriter(&gz) // a fresh writer per frame, exactly as Flux uses it
		if _, err := zw.Write(data); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		binary.BigEndian.PutUint32(hdr[:], uint32(gz.Len()))
		if _, err := out.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := out.Write(gz.Bytes()); err != nil {
			return err
		}
	}
	return out.Flush()
}
