#!/usr/bin/env python3
"""png_nonblank.py - is a screenshot more than a blank page?

    python3 tests/png_nonblank.py SHOT.png [MIN_SHARE]

Decodes the PNG with the standard library only (zlib, struct): 8-bit
greyscale, RGB, RGBA or palette images, not interlaced, which is what
Chromium writes. The most common colour is the background; the image is
non-blank when at least two other distinct colours each cover a
meaningful share of the pixels and, together, the non-background pixels
are more than MIN_SHARE (default 0.005, 0.5%) of the image. Exit status 0
when non-blank, 1 when blank, 2 when the file is not a PNG it can read.
"""
import collections
import itertools
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def chunks(data):
    """Yields (type, payload) of every chunk after the signature."""
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        yield kind, data[at + 8:at + 8 + length]
        at += 12 + length


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, width, height, bpp):
    """The scanlines without their filters (PNG spec, section 9)."""
    stride = width * bpp
    rows, previous, at = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        if kind == 1:    # Sub: a running sum along each channel
            for channel in range(bpp):
                line[channel::bpp] = bytearray(itertools.accumulate(
                    line[channel::bpp], lambda a, b: (a + b) & 0xFF))
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind in (3, 4):
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up = previous[i]
                if kind == 3:
                    line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
                else:
                    corner = previous[i - bpp] if i >= bpp else 0
                    line[i] = (line[i] + paeth(left, up, corner)) & 0xFF
        elif kind != 0:
            raise ValueError("bad filter type %d" % kind)
        rows.append(line)
        previous = line
    return rows


def decode(path):
    """Returns (width, height, bytes per pixel, unfiltered rows, palette)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    header, idat, palette = None, b"", None
    for kind, payload in chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", payload)
        elif kind == b"IDAT":
            idat += payload
        elif kind == b"PLTE":
            palette = payload
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or interlace != 0 or colour not in CHANNELS:
        raise ValueError("unsupported PNG: depth %d, colour type %d,"
                         " interlace %d" % (depth, colour, interlace))
    bpp = CHANNELS[colour]
    rows = unfilter(zlib.decompress(idat), width, height, bpp)
    return width, height, bpp, rows, palette if colour == 3 else None


def count_colours(bpp, rows, palette):
    """Pixels by colour: {colour tuple: count}."""
    counts = collections.Counter()
    for line in rows:
        counts.update(zip(*(line[c::bpp] for c in range(bpp))))
    if palette:
        merged = collections.Counter()
        for (index, *_), n in counts.items():
            merged[tuple(palette[index * 3:index * 3 + 3])] += n
        counts = merged
    return counts


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    min_share = float(sys.argv[2]) if len(sys.argv) == 3 else 0.005
    try:
        width, height, bpp, rows, palette = decode(sys.argv[1])
    except (OSError, ValueError, zlib.error) as error:
        print("%s: %s" % (sys.argv[1], error), file=sys.stderr)
        return 2
    counts = count_colours(bpp, rows, palette)
    total = width * height
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    background = ranked[0][1]
    others = total - background
    # A colour counts when it covers at least 0.01% of the image.
    meaningful = [c for c, n in ranked[1:] if n >= total * 0.0001]
    share = others / total
    print("%s: %dx%d, %d colours, %.2f%% not background, %d meaningful"
          " colours besides it" % (sys.argv[1], width, height, len(counts),
                                   100 * share, len(meaningful)))
    return 0 if share > min_share and len(meaningful) >= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
