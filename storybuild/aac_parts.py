"""AAC encoded in parallel parts and joined packet-exactly into one track.

ffmpeg's AAC encoder is single-threaded, and on the edit loop it is the longest piece
of the soundtrack step (0.54 s of 0.9 s for the 86 s example). An AAC packet is
computed from its own 1024 samples and the 1024 before them, so a part whose encode
starts a few packets early (the pre-roll) emits, from its first kept packet on, packets
that join seamlessly with the previous part's: measured on the example's soundtrack at
its loudest places, the joined track decodes to the same samples as one encode within
the encoder's own noise (SNR to the source 46.6 dB either way), where any seam lands.
(The bytes are not one encode's: a few packets past a seam differ, as the encoder's
state differs, so the number of parts depends on the sound's length alone, never on
the machine: a soundtrack's bytes are the same wherever it is built.)

Each part's process masters the raw mix from its start (the limiter's state at the
part's first sample is then exactly the one encode's) and encodes only its own
samples; everything is counted in samples of the whole track. The parts are written as ADTS (a
self-delimiting packet stream), their packets joined, and the result muxed into MP4
with the encoder's priming (the first packet, hidden by the edit list) and the last
packet cut to the track's exact length, as one encode writes it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from storybuild.media import run_ffmpeg

PACKET = 1024  # samples per AAC-LC packet
PREROLL = 2  # packets a part's encode starts before its first kept packet (1 measured enough)
MIN_PART = 12.0  # seconds: a shorter part costs more in process start-up than it saves
# Each part re-masters the mix from its start: more parts cost more CPU, and on these
# 2-core machines two encoders at once give 1.6x the throughput of one.
MAX_PARTS = 2


@dataclass(frozen=True)
class Part:
    """One encoder's share: it keeps packets [first, end) of the whole track (packet p
    covers samples [(p-1)*PACKET, p*PACKET): packet 0 is the encoder's priming) and
    encodes samples [encode_from, encode_to) of the mastered mix."""

    first: int
    end: int
    encode_from: int
    encode_to: int


def packet_count(samples: int) -> int:
    """Packets one encode of `samples` samples emits: the priming packet and one per
    started 1024 samples (ffmpeg's AAC encoder, verified against its output)."""
    return 1 + -(-samples // PACKET)


def plan_parts(samples: int, rate: int, wanted: int | None = None) -> list[Part]:
    """PURE: the parts to encode `samples` samples at `rate` with: `wanted` of them, by
    default MAX_PARTS, but none shorter than MIN_PART seconds; one part is a plain encode."""
    count = max(1, min(wanted or MAX_PARTS, int(samples / rate // MIN_PART)))
    packets = packet_count(samples)
    cuts = [round(packets * index / count) for index in range(count + 1)]
    parts = []
    for first, end in zip(cuts, cuts[1:]):
        encode_from = max(0, (first - 1 - PREROLL) * PACKET) if first else 0
        # The last kept packet also needs the samples of the packet after it.
        encode_to = samples if end == packets else min(samples, (end + 1) * PACKET)
        parts.append(Part(first, end, encode_from, encode_to))
    return parts


def skipped_packets(part: Part) -> int:
    """Packets of the part's own encode before its first kept one (its priming, then
    the pre-roll)."""
    return 0 if part.first == 0 else part.first - part.encode_from // PACKET


def adts_frames(data: bytes) -> list[bytes]:
    """PURE: the frames of an ADTS stream, each with its header; ValueError when the
    stream is not ADTS or ends inside a frame."""
    frames, at = [], 0
    while at < len(data):
        head = data[at:at + 7]
        if len(head) < 7 or head[0] != 0xFF or head[1] & 0xF6 != 0xF0:
            raise ValueError(f"not an ADTS frame at byte {at}")
        length = ((head[3] & 0x03) << 11) | (head[4] << 3) | (head[5] >> 5)
        if length < 7 or at + length > len(data):
            raise ValueError(f"ADTS frame at byte {at} is cut short")
        frames.append(data[at:at + length])
        at += length
    return frames


def encode_parts(parts: list[Part], samples: int, rate: int, encoder: list[str], inputs: list[str], chain: str,
                 out: Path, workdir: Path) -> None:
    """Encode every part at once, join their packets and write `out` (MP4). `inputs`
    (ffmpeg input arguments) and `chain` (a filter chain) give the whole mastered
    track, sample 0 first; each part encodes its own samples of it."""
    def encode(index: int, part: Part) -> list[bytes]:
        trim = f"atrim=start_sample={part.encode_from}:end_sample={part.encode_to}"
        adts = workdir / f"part{index}.aac"
        run_ffmpeg(["-y", *inputs, "-af", f"{chain},{trim},asetpts=N/SR/TB", "-c:a", "aac", *encoder,
                    "-ar", str(rate), "-ac", "2", "-f", "adts", str(adts)], f"encoding part {index + 1} of the sound")
        frames = adts_frames(adts.read_bytes())
        kept = frames[skipped_packets(part):][:part.end - part.first]
        if len(kept) != part.end - part.first:
            raise ValueError(f"sound part {index + 1} gave {len(frames)} packets, fewer than it should")
        return kept

    with ThreadPoolExecutor(len(parts)) as pool:
        packets = [frame for kept in pool.map(encode, range(len(parts)), parts) for frame in kept]
    joined = workdir / "joined.aac"
    joined.write_bytes(b"".join(packets))
    # ADTS has no timestamps: put the priming packet before 0 (the MP4 edit list hides
    # it) and give the last packet only the samples the track has left.
    last = samples - (len(packets) - 2) * PACKET
    in_tb = f"/({rate}*TB)"
    timing = (f"setts=pts=PTS-{PACKET}{in_tb}:dts=DTS-{PACKET}{in_tb}:"
              f"duration=if(eq(N\\,{len(packets) - 1})\\,{last}{in_tb}\\,DURATION)")
    run_ffmpeg(["-y", "-i", str(joined), "-c", "copy", "-bsf:a", timing, "-movflags", "+faststart", "-f", "mp4",
                str(out)], "joining the sound's parts")
