#!/usr/bin/env python3
"""Prints the version resource (VS_VERSIONINFO) of a Windows executable, one KEY=VALUE a line:
the StringFileInfo strings, then Fixed.FileVersion and Fixed.ProductVersion (a.b.c.d from
VS_FIXEDFILEINFO) and Translation. Exit 1 when the exe has none.

Usage: pe_version.py FILE.exe

The structure is found by its key, UTF-16LE "VS_VERSION_INFO", and read as Microsoft
documents it: each node is wLength, wValueLength, wType, a NUL-terminated UTF-16 key, padding
to 4 bytes, the value, padding, then child nodes up to wLength."""
import struct
import sys


def align(off):
    return (off + 3) & ~3


def node(buf, off):
    """(length, value_length, type, key, value_offset, children_offset, end) of a node."""
    length, vlen, vtype = struct.unpack_from("<HHH", buf, off)
    k = off + 6
    end_key = k
    while buf[end_key:end_key + 2] != b"\0\0":
        end_key += 2
    key = buf[k:end_key].decode("utf-16-le")
    voff = align(end_key + 2)
    vbytes = vlen * 2 if vtype == 1 else vlen
    return length, vlen, vtype, key, voff, align(voff + vbytes), off + length


def children(buf, start, end):
    off = start
    while off < end:
        n = node(buf, off)
        if n[0] == 0:
            break
        yield n
        off = align(n[6])


def main():
    buf = open(sys.argv[1], "rb").read()
    marker = "VS_VERSION_INFO".encode("utf-16-le")
    k = buf.find(marker)
    if k < 6:
        print("no VS_VERSION_INFO in %s" % sys.argv[1])
        return 1
    length, vlen, vtype, key, voff, coff, end = node(buf, k - 6)
    sig, _, fv_ms, fv_ls, pv_ms, pv_ls = struct.unpack_from("<IIIIII", buf, voff)
    if vlen < 52 or sig != 0xFEEF04BD:
        print("VS_FIXEDFILEINFO missing or bad signature")
        return 1
    out = []
    for c in children(buf, coff, end):
        if c[3] == "StringFileInfo":
            for table in children(buf, c[5], c[6]):
                for s in children(buf, table[5], table[6]):
                    text = buf[s[4]:s[4] + s[1] * 2].decode("utf-16-le").rstrip("\0")
                    out.append("%s=%s" % (s[3], text))
                out.append("StringTable=%s" % table[3])
        elif c[3] == "VarFileInfo":
            for v in children(buf, c[5], c[6]):
                lang, cp = struct.unpack_from("<HH", buf, v[4])
                out.append("Translation=%04x %d" % (lang, cp))
    ver = lambda ms, ls: "%d.%d.%d.%d" % (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)
    out.append("Fixed.FileVersion=" + ver(fv_ms, fv_ls))
    out.append("Fixed.ProductVersion=" + ver(pv_ms, pv_ls))
    print("\n".join(out))
    return 0


sys.exit(main())
