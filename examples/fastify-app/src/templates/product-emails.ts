/** Subject and plain-text body of one product email. */
export interface EmailContent {
  subject: string;
  text: string;
}

const signature = '\n\nThe Coachly team';

/**
 * The coaching service's product emails as typed functions: the compiler
 * checks every variable a template needs.
 */
export const productEmails = {
  registrationConfirmation(vars: { name: string; confirmUrl: string }): EmailContent {
    return {
      subject: `Welcome to Coachly, ${vars.name}: confirm your email`,
      text: `Hi ${vars.name},\n\nConfirm your address to start booking sessions:\n${vars.confirmUrl}${signature}`,
    };
  },
  paymentFailure(vars: { name: string; amount: string; retryUrl: string }): EmailContent {
    return {
      subject: `Your payment of ${vars.amount} did not go through`,
      text: `Hi ${vars.name},\n\nWe could not charge ${vars.amount} for your last session; the booking is held for 24 hours.\nUpdate your card: ${vars.retryUrl}${signature}`,
    };
  },
  subscriptionCancellation(vars: { name: string; endsOn: string }): EmailContent {
    return {
      subject: 'Your Coachly subscription is cancelled',
      text: `Hi ${vars.name},\n\nYour subscription stays active until ${vars.endsOn}. You can restart it at any time.${signature}`,
    };
  },
  usageLimitWarning(vars: { name: string; used: number; limit: number }): EmailContent {
    const percent = Math.round((vars.used / vars.limit) * 100);
    return {
      subject: `You have used ${percent}% of your transcription minutes`,
      text: `Hi ${vars.name},\n\nYou have used ${vars.used} of ${vars.limit} transcription minutes this month.${signature}`,
    };
  },
} as const;
