// The console's pages, in the order of the navigation. A page is
// { id, title, visible(user), render(root, ctx) }; render may return a
// function that is called when the page is left (to stop a live stream).
// `nav: false` keeps a page out of the navigation (reached by link).
import intake from './intake.js';
import inbox from './inbox.js';
import ticket from './ticket.js';
import board from './board.js';
import coordination from './coordination.js';
import callbacks from './callbacks.js';
import subordinates from './subordinates.js';
import evaluation from './evaluation.js';
import users from './users.js';
import audit from './audit.js';

export default [intake, board, coordination, callbacks, inbox, subordinates, evaluation, users, audit, ticket];
