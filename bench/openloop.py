"""Open-loop load generator for bench/surge.py: requests start at a fixed rate, whatever the answers.

Usage (bench/surge.py starts it, one process per --part):
    python bench/openloop.py --rate 360 --duration 30 --start-at <unix time> --part 0 --parts 2 \
        --request request.json --out answers.json

A closed loop (wrk, a fixed pool of connections each waiting for its answer before the next
request) sends less when the server slows down, which hides a surge. Here request n of part k
starts at start_at + (n × parts + k) / rate, on its own connection (`Connection: close`, as
distinct people would), answered or not. Each answer is recorded: the planned and actual start
(their gap shows whether the generator kept up), the status, the latency from connecting to the
last byte, whether a `Retry-After` came with it, and the error when there was no answer.
Standard library only, no Django: the process spends its time on the sockets.
"""

import argparse
import asyncio
import json
import resource
import time


async def one(host: str, port: int, payload: bytes, timeout: float) -> tuple[int, bool, str, float]:
    """(status, Retry-After present, error, seconds): status 0 and an error name when unanswered."""
    started = time.perf_counter()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(payload)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.read()  # the body, until the server closes (Connection: close)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        retry_after = any(line.lower().startswith("retry-after:") for line in lines[1:])
        return status, retry_after, "", time.perf_counter() - started
    except TimeoutError:
        return 0, False, "timeout", time.perf_counter() - started
    except asyncio.IncompleteReadError:
        return 0, False, "closed_without_answer", time.perf_counter() - started
    except (OSError, ValueError, IndexError) as error:
        return 0, False, type(error).__name__, time.perf_counter() - started
    finally:
        if writer is not None:
            writer.close()


async def run(args, template: dict) -> list[dict]:
    head = template["head"]
    body = template["body"]
    host, port = template["host"], template["port"]
    count = int(args.rate * args.duration / args.parts)
    answers: list[dict] = []

    async def send(index: int, planned: float) -> None:
        number = index * args.parts + args.part
        content = body.replace("{EMAIL}", template["email"].format(number=number)).encode()
        payload = head.replace("{LENGTH}", str(len(content))).encode() + content
        actual = time.perf_counter() - origin
        status, retry_after, error, seconds = await one(host, port, payload, args.timeout)
        answers.append(
            {
                "n": number,
                "planned": round(planned, 4),
                "started": round(actual, 4),
                "status": status,
                "retry_after": retry_after,
                "error": error,
                "seconds": round(seconds, 5),
            }
        )

    await asyncio.sleep(max(0.0, args.start_at - time.time()))
    origin = time.perf_counter()
    tasks = []
    for index in range(count):
        planned = (index * args.parts + args.part) / args.rate
        delay = planned - (time.perf_counter() - origin)
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(index, planned)))
    await asyncio.gather(*tasks)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, required=True, help="requests per second, all parts together")
    parser.add_argument("--duration", type=float, required=True, help="seconds of arrivals")
    parser.add_argument("--start-at", type=float, required=True, help="unix time of the first arrival")
    parser.add_argument("--part", type=int, default=0)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before an answer counts as lost")
    parser.add_argument("--request", required=True, help="JSON: host, port, head, body, email")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    # One socket per request in flight: raise the open-files limit as far as allowed.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open(args.request) as handle:
        template = json.load(handle)
    answers = asyncio.run(run(args, template))
    with open(args.out, "w") as handle:
        json.dump(answers, handle)


if __name__ == "__main__":
    main()
