// A first-in first-out queue between one producer and one consumer, bounded by the items held at once:
// an item is held from when it is pushed until the consumer releases it, which may be long after taking it.

export class BatchQueue<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #held = 0;
  #ended = false;
  #stopped = false;
  /** Whoever waits for the queue to change (the producer for room, the consumer for an item). */
  #waiting: (() => void)[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`a queue's capacity must be a whole number of at least 1 (got ${capacity})`);
    this.#capacity = capacity;
  }

  /** Waits until fewer than `capacity` items are held; false once the queue is stopped. */
  async room(): Promise<boolean> {
    while (!this.#stopped && this.#held >= this.#capacity) await this.#change();
    return !this.#stopped;
  }

  /** Adds an item (after `room`); dropped once the queue is stopped. */
  push(item: T): void {
    if (this.#stopped) return;
    this.#held++;
    this.#items.push(item);
    this.#changed();
  }

  /** No more items come: `take` gives what is queued, then undefined. */
  end(): void {
    this.#ended = true;
    this.#changed();
  }

  /** Ends the queue and drops what is queued: `room` answers false and `take` undefined from now on. */
  stop(): void {
    this.#stopped = true;
    this.#items.length = 0;
    this.#changed();
  }

  /** The next item; undefined once the queue is ended and empty, or stopped. */
  async take(): Promise<T | undefined> {
    while (!this.#stopped && !this.#ended && this.#items.length === 0) await this.#change();
    return this.#items.shift();
  }

  /** A taken item is done with: its room is free. */
  release(): void {
    this.#held--;
    this.#changed();
  }

  #change(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #changed(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}
