import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Calendar, overlaps, toMinutes } from '../src/booking.ts';

describe('toMinutes', () => {
  it('reads hours and minutes', () => {
    assert.equal(toMinutes('09:30'), 570);
  });
  it('rejects text that is not a time', () => {
    assert.throws(() => toMinutes('half past nine'), /not a time/);
  });
});

describe('overlaps', () => {
  it('sees ranges that share minutes', () => {
    assert.equal(overlaps({ start: 60, end: 120 }, { start: 90, end: 150 }), true);
  });
  it('sees a range inside another', () => {
    assert.equal(overlaps({ start: 60, end: 180 }, { start: 90, end: 100 }), true);
  });
  it('keeps separate ranges apart', () => {
    assert.equal(overlaps({ start: 60, end: 90 }, { start: 120, end: 150 }), false);
  });
  it('lets one range start when the other ends', () => {
    assert.equal(overlaps({ start: 60, end: 90 }, { start: 90, end: 120 }), false);
  });
});

describe('Calendar', () => {
  it('books a free room', () => {
    const calendar = new Calendar();
    assert.equal(calendar.book('Ada', '09:00', '10:00', 'Grace').who, 'Grace');
  });
  it('refuses a double booking', () => {
    const calendar = new Calendar();
    calendar.book('Ada', '09:00', '10:00', 'Grace');
    assert.throws(() => calendar.book('Ada', '09:30', '10:30', 'Alan'), /already booked by Grace/);
  });
  it('allows back-to-back meetings', () => {
    const calendar = new Calendar();
    calendar.book('Ada', '09:00', '10:00', 'Grace');
    assert.equal(calendar.book('Ada', '10:00', '11:00', 'Alan').who, 'Alan');
  });
  it('counts free minutes', () => {
    const calendar = new Calendar();
    calendar.book('Ada', '09:00', '10:00', 'Grace');
    calendar.book('Turing', '09:00', '12:00', 'Alan');
    assert.equal(calendar.freeMinutes('Ada', '08:00', '18:00'), 540);
  });
});
