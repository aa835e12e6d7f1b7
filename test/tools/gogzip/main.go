// Command gogzip gzips stdin to stdout with Go's compress/gzip at the default level, the way
// `flux push artifact` compresses its layer. Tests use it as the reference for our TypeScript
// encoder.
//
// Usage: gogzip [-chunk N] [-seed S]
//
//	-chunk N  write the input to the gzip writer in N-byte pieces (default: one Write call)
//	-seed S   with S != 0, write pieces of random sizes in [1, N] drawn from seed S, to show
//	          that the output does not depend on how the input is split
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
)

func main() {
	chunk := flag.Int("chunk", 0, "bytes per Write call (0 = whole input at once)")
	seed := flag.Int64("seed", 0, "random piece sizes in [1, chunk] from this seed (0 = fixed)")
	flag.Parse()
	if err := run(*chunk, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gogzip:", err)
		os.Exit(1)
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
