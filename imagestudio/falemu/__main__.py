"""CLI: python -m imagestudio.falemu --port 8443 --certs-dir var/falemu [knobs...]"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
from types import FrameType

from .config import EmulatorConfig
from .server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m imagestudio.falemu", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument(
        "--certs-dir", default="var/falemu", help="ca.pem/server.pem are created here (reused if present)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    knobs = parser.add_argument_group("knobs (also settable at runtime: POST /_emulator/config)")
    for f in dataclasses.fields(EmulatorConfig):
        default = f.default
        if isinstance(default, tuple):
            knobs.add_argument(
                f"--{f.name.replace('_', '-')}", dest=f.name, help=f"comma-separated (default: {','.join(default)})"
            )
        else:
            knobs.add_argument(
                f"--{f.name.replace('_', '-')}", dest=f.name, type=type(default), help=f"(default: {default})"
            )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    knob_names = {f.name for f in dataclasses.fields(EmulatorConfig)}
    knobs = {k: v for k, v in vars(args).items() if k in knob_names and v is not None}
    try:
        emulator = Emulator(host=args.host, port=args.port, certs_dir=args.certs_dir, **knobs)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_env(emulator)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.core.stop()
    return 0


def _print_env(emulator: Emulator) -> None:
    lines = [f"export {name}={value}" for name, value in emulator.env().items()]
    lines += [
        "export FAL_KEY=emulator-key  # any non-empty key unless --accepted-keys is set",
        f"# public roots + test CA, for processes that also call real HTTPS hosts: {emulator.certs_dir / 'ca-bundle.pem'}",
        f"# webhook JWKS: {emulator.jwks_url}",
        f"# control: curl --cacert {emulator.ca_path} {emulator.url}/_emulator/stats",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
