/** A booking of one room from `start` (inclusive) to `end` (exclusive), in minutes since midnight. */
export interface Booking {
  room: string;
  start: number;
  end: number;
  who: string;
}

/** Parses "HH:MM" into minutes since midnight. */
export function toMinutes(time: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!match) {
    throw new Error(`not a time: ${time}`);
  }
  return Number(match[1]) * 60 + Number(match[2]);
}

/** True when two time ranges share at least one minute. */
export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start <= a.end;
}

/** The bookings of all rooms; refuses double bookings. */
export class Calendar {
  private readonly bookings: Booking[] = [];

  book(room: string, from: string, to: string, who: string): Booking {
    const booking = { room, start: toMinutes(from), end: toMinutes(to), who };
    if (booking.end <= booking.start) {
      throw new Error(`${from}–${to} is not a time range`);
    }
    const clash = this.bookings.find((other) => other.room === room && overlaps(other, booking));
    if (clash) {
      throw new Error(`${room} is already booked by ${clash.who}`);
    }
    this.bookings.push(booking);
    return booking;
  }

  /** Free minutes of a room between opening and closing time. */
  freeMinutes(room: string, opening: string, closing: string): number {
    let free = toMinutes(closing) - toMinutes(opening);
    for (const booking of this.bookings) {
      if (booking.room === room) {
        free -= booking.end - booking.start;
      }
    }
    return free;
  }
}
