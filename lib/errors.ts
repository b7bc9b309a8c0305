/** The errors lib/ throws for the person at the terminal. */

/** An error whose message is meant for the person at the terminal: printed as is, no stack. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
