import type { Member } from './member.js'

/** One request of a member: returns a promise when it waits for the cluster. */
export type MemberTask = () => void | Promise<void>

/**
 * Runs a member's request now, or queues it behind the one that is waiting
 * for the cluster (`/nick bob` then `hi`: bob says hi). False when the queue
 * is full and the task was dropped.
 */
export function runInOrder (member: Member, task: MemberTask, limit: number, onError: (err: unknown) => void): boolean {
  const queue = member.queued
  if (queue === undefined) {
    drainInOrder(member, [task], onError)
    return true
  }
  if (queue.length >= limit) return false
  queue.push(task)
  return true
}

/** Runs queued tasks in order; one that returns a promise holds the rest (and later ones) until it settles. */
export function drainInOrder (member: Member, queue: MemberTask[], onError: (err: unknown) => void): void {
  while (queue.length > 0 && member.present) {
    const result = (queue.shift() as MemberTask)()
    if (!(result instanceof Promise)) continue
    member.queued = queue
    result.catch(onError).finally(() => {
      member.queued = undefined
      drainInOrder(member, queue, onError)
    })
    return
  }
}
